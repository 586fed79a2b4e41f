import { accessFor, type AccessPolicy } from '@herald/protocol';
import { createTokenVerifier, userOfToken, type AuthConfig, type TokenVerifier, type VerifiedToken } from '@herald/server-kit';
import type { Grant, IdentityResult } from './identity.js';

/** Token checks of the gateway: the upgrade's token and every `refresh` go through here. */
export class GatewayAuth {
  readonly #verifier: TokenVerifier;
  readonly #policy: AccessPolicy;

  private constructor(config: AuthConfig & { token: NonNullable<AuthConfig['token']> }) {
    this.#verifier = createTokenVerifier(config.token);
    this.#policy = config.policy;
  }

  /** undefined when auth is off (no AUTH_SECRET / AUTH_PUBLIC_KEY). */
  static from(config: AuthConfig): GatewayAuth | undefined {
    return config.token === undefined ? undefined : new GatewayAuth({ ...config, token: config.token });
  }

  async grant(token: string): Promise<IdentityResult & { expired?: boolean }> {
    const result = await this.#verifier.verify(token);
    if (!result.ok) return { ok: false, status: 401, message: result.message, expired: result.reason === 'expired' };
    return { ok: true, grant: this.#grantOf(result.token) };
  }

  #grantOf(token: VerifiedToken): Grant {
    return { user: userOfToken(token), access: accessFor(this.#policy, token.herald), exp: token.exp };
  }
}
