// The onebound envelope as tests read it: every answer of the onebound-inbound plugin has this shape
// (`response` holds the OpenAI answer or the job, of any shape, which the tests index into freely).

export interface OneboundEnvelope {
  // biome-ignore lint: tests index into the wrapped answer freely
  response: any;
  error: string;
  reason: string;
  error_code: string;
  request_id: string;
  last_id?: string;
}
