// Coze Open API v3 chat wire types (POST /v3/chat, GET /v3/chat/retrieve, GET /v3/chat/message/list,
// and the streamed events), from the Coze API reference (docs.coze.com / docs.coze.cn).

/** A message sent in `additional_messages`. */
export interface CozeEnterMessage {
  role: 'user' | 'assistant';
  /** question (user input, the default) or answer (an earlier bot reply). */
  type?: 'question' | 'answer';
  content: string;
  /** text, or object_string (a JSON-serialised array of text / image / file items). */
  content_type: 'text' | 'object_string';
}

/** One item of an object_string content. */
export interface CozeObjectItem {
  type: 'text' | 'image' | 'file' | 'audio';
  text?: string;
  file_id?: string;
  file_url?: string;
}

export interface CozeChatRequest {
  bot_id: string;
  user_id: string;
  stream: boolean;
  auto_save_history: boolean;
  additional_messages: CozeEnterMessage[];
  custom_variables?: Record<string, string>;
}

export type CozeChatStatus = 'created' | 'in_progress' | 'completed' | 'failed' | 'requires_action' | 'canceled';

export interface CozeUsage {
  token_count?: number;
  output_count?: number;
  input_count?: number;
}

/** The Chat object (create reply data, retrieve reply data, conversation.chat.* event data). */
export interface CozeChat {
  id: string;
  conversation_id: string;
  bot_id: string;
  created_at?: number;
  completed_at?: number;
  failed_at?: number;
  last_error?: { code: number; msg: string } | null;
  status: CozeChatStatus;
  usage?: CozeUsage;
  required_action?: unknown;
}

export type CozeMessageType = 'question' | 'answer' | 'function_call' | 'tool_output' | 'tool_response' | 'follow_up' | 'verbose';

/** A Message object (list reply items, conversation.message.* event data). */
export interface CozeMessage {
  id: string;
  conversation_id: string;
  bot_id?: string;
  chat_id?: string;
  role: 'user' | 'assistant';
  type: CozeMessageType;
  content: string;
  content_type: string;
  reasoning_content?: string;
  created_at?: number;
}

/** Every non-stream reply: `code` 0 is success, anything else an error described by `msg`. */
export interface CozeEnvelope<T> {
  code: number;
  msg: string;
  data?: T;
}
