// Names of spend accounts in key_spend. A key's account is its name; a group's shared budget
// (groups.<name>.budget) is the reserved account `@group:<name>`, which no key can take: runtime key names
// start with a letter or digit (admin API), and config key names starting with `@group:` are a config error
// (config/semantic.ts). One table, one upsert and one seed path serve both, so a group's spend is persisted
// in the same transaction as the request rows, exactly once, like a key's.

export const GROUP_ACCOUNT_PREFIX = '@group:';

/** The spend account of group `name`'s shared budget. */
export function groupAccount(name: string): string {
  return GROUP_ACCOUNT_PREFIX + name;
}
