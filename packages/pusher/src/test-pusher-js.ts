/**
 * pusher-js's own protocol parser and member table, loaded from its TypeScript source
 * (pusher-js ships src/; vitest compiles it). Loaded by a computed specifier so tsc does
 * not type-check pusher-js's non-strict source; the shapes below are the parts we call.
 */
export interface PusherJsEvent {
  event: string;
  channel?: string;
  data: unknown;
  user_id?: string;
}

interface ProtocolModule {
  decodeMessage(message: { data: string }): PusherJsEvent;
  encodeMessage(event: PusherJsEvent): string;
  processHandshake(message: { data: string }): { action: string; id?: string; activityTimeout?: number; error?: unknown };
  getCloseAction(close: { code: number }): string | null;
}

interface MembersClass {
  new (): {
    count: number;
    members: Record<string, unknown>;
    setMyID(id: string): void;
    onSubscription(data: unknown): void;
    addMember(data: unknown): { id: string; info: unknown } | null;
    removeMember(data: unknown): { id: string; info: unknown } | null;
    get(id: string): { id: string; info: unknown } | null;
    me: { id: string; info: unknown } | null;
  };
}

const root = 'pusher-js/src/core';

export async function loadPusherJs(): Promise<{ Protocol: ProtocolModule; Members: MembersClass }> {
  const [protocol, members] = await Promise.all([
    import(`${root}/connection/protocol/protocol`) as Promise<{ default: ProtocolModule }>,
    import(`${root}/channels/members`) as Promise<{ default: MembersClass }>,
  ]);
  return { Protocol: protocol.default, Members: members.default };
}
