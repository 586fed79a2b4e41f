import { afterAll, beforeAll } from 'vitest';
import { assertAppsBuilt, closeEverything, deleteKeys, Service, type AppName } from '@herald/testkit';

/**
 * For a describe block: starts `apps` as real processes with `env` (one Redis
 * prefix), waits until each is ready, and after the block closes every client and
 * process and deletes the prefix's keys. The array fills in beforeAll.
 */
export function servicesOnRedis(apps: readonly AppName[], env: Record<string, string>, prefix: string): Service[] {
  const services: Service[] = [];
  beforeAll(async () => {
    assertAppsBuilt();
    services.push(...(await Promise.all(apps.map((app) => Service.start(app, env)))));
    await Promise.all(services.map((service) => service.waitReady()));
  });
  afterAll(async () => {
    await closeEverything();
    await deleteKeys(prefix);
  });
  return services;
}
