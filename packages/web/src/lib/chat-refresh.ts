import { ClientError } from './errors.js';

/** Error codes a refresh is answered with when it is refused (the gateway gives them no ref). */
const REFRESH_ERRORS = new Set(['unauthorized', 'forbidden', 'token_expired', 'bad_request']);

interface Pending {
  resolve: (exp: number) => void;
  reject: (err: ClientError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The one `refresh` a connection may have in flight, waiting for `refreshed` or its refusal. */
export class RefreshReply {
  #pending: Pending | undefined;

  /** Resolves with the new `exp`; `write` sends the frame once the wait is set up. */
  wait(timeoutMs: number, write: () => void): Promise<number> {
    if (this.#pending !== undefined) return Promise.reject(new ClientError('bad_request', 'a refresh is already in flight'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.reject(new ClientError('timeout', 'no reply to refresh')), timeoutMs);
      this.#pending = { resolve, reject, timer };
      write();
    });
  }

  resolve(exp: number): void {
    this.#take()?.resolve(exp);
  }

  reject(error: ClientError): void {
    this.#take()?.reject(error);
  }

  /** Whether an `error` frame without a ref is the answer to the refresh in flight (and settles it). */
  refused(error: ClientError): boolean {
    if (error.ref !== undefined || this.#pending === undefined || !REFRESH_ERRORS.has(error.code)) return false;
    this.reject(error);
    return true;
  }

  #take(): Pending | undefined {
    const pending = this.#pending;
    if (pending === undefined) return undefined;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    return pending;
  }
}
