/**
 * A province's variant of the national interface: field renames per interface and node. One small data file
 * per profile; sync/spec/profile.ts applies it in one place (outgoing messages and the tables alike).
 */
export interface Profile {
  name: string;
  description: string;
  /** infno -> node -> national field name -> the province's name. */
  renames: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>>;
}
