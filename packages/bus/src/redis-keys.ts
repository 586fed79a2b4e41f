/**
 * Every Redis key and channel the Redis bus uses, in one place, all under one
 * prefix so several deployments (or test runs) can share a Redis. On a cluster the
 * prefix is a hash tag (`{herald:}`): every key and channel below is in one slot.
 *
 *   <p>last-id                    string: the newest id issued, for every topic
 *   <p>epoch                      hash: n (epoch number), since (its first id), at (Redis
 *                                 ms): bumped when Redis lost writes (redis-epoch.ts)
 *   <p>topic:<topic>              stream: a topic's history (fields d, e?, ts); expires
 *                                 after TOPIC_TTL_MS without a publish or a subscriber
 *   <p>new-topics                 stream: one entry (field t = topic) per topic stream
 *                                 created, with the id of its first event
 *   <p>presence:<room>            hash: connectionId → {"n":order,"i":instance,"u":user}
 *   <p>presence-seq               counter: join order, so members() lists oldest first
 *   <p>instances                  sorted set: instanceId → heartbeat deadline (Redis ms)
 *   <p>instance-rooms:<instance>  set: rooms where that instance has members
 *   <p>presence-events:<room>     pub/sub channel: joins and leaves
 *   <p>occupancy:<room>           hash: c → connections counted, u:<user id> → that user's
 *   <p>journal                    stream: occupancy transitions and notes (fields r, k, u?, d?)
 *   <p>journal-lease:<name>       string: the owner of a journal consumer's lease (PX)
 *   <p>journal-cursor:<name>      string: the id of the last entry that consumer handled
 */
export class RedisKeys {
  /** The prefix as written into keys: `{<prefix>}` on a cluster. */
  readonly prefix: string;

  /**
   * `hashTag` (cluster mode): the prefix is wrapped as a hash tag, `{herald:}last-id`,
   * so every key hashes to one slot and the scripts and transactions, which touch
   * several keys, run on a cluster. Off, keys are unchanged: `herald:last-id`.
   */
  constructor(prefix: string, options: { hashTag?: boolean } = {}) {
    if (options.hashTag && (prefix === '' || /[{}]/.test(prefix))) {
      // `{}` is no tag at all, and a brace inside would end the tag early: keys would scatter.
      throw new TypeError('in cluster mode keyPrefix must be non-empty and without { or }');
    }
    this.prefix = options.hashTag ? `{${prefix}}` : prefix;
  }

  get lastId(): string {
    return `${this.prefix}last-id`;
  }

  get epoch(): string {
    return `${this.prefix}epoch`;
  }

  get newTopics(): string {
    return `${this.prefix}new-topics`;
  }

  get topicPrefix(): string {
    return `${this.prefix}topic:`;
  }

  topic(topic: string): string {
    return `${this.topicPrefix}${topic}`;
  }

  /** The topic a stream key belongs to, or undefined for a foreign key. */
  topicOf(key: string): string | undefined {
    return key.startsWith(this.topicPrefix) ? key.slice(this.topicPrefix.length) : undefined;
  }

  get presencePrefix(): string {
    return `${this.prefix}presence:`;
  }

  presence(room: string): string {
    return `${this.presencePrefix}${room}`;
  }

  /** The room a presence hash belongs to, or undefined for a foreign key. */
  presenceRoomOf(key: string): string | undefined {
    return key.startsWith(this.presencePrefix) ? key.slice(this.presencePrefix.length) : undefined;
  }

  get presenceSeq(): string {
    return `${this.prefix}presence-seq`;
  }

  get occupancyPrefix(): string {
    return `${this.prefix}occupancy:`;
  }

  occupancy(room: string): string {
    return `${this.occupancyPrefix}${room}`;
  }

  get journal(): string {
    return `${this.prefix}journal`;
  }

  journalLease(name: string): string {
    return `${this.prefix}journal-lease:${name}`;
  }

  journalCursor(name: string): string {
    return `${this.prefix}journal-cursor:${name}`;
  }

  get instances(): string {
    return `${this.prefix}instances`;
  }

  instanceRooms(instanceId: string): string {
    return `${this.prefix}instance-rooms:${instanceId}`;
  }

  get presenceChannelPrefix(): string {
    return `${this.prefix}presence-events:`;
  }

  presenceChannel(room: string): string {
    return `${this.presenceChannelPrefix}${room}`;
  }

  /** The room a presence channel belongs to, or undefined for a foreign channel. */
  roomOf(channel: string): string | undefined {
    const p = this.presenceChannelPrefix;
    return channel.startsWith(p) ? channel.slice(p.length) : undefined;
  }
}
