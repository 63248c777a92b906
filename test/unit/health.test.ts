import { describe, expect, it } from 'vitest';
import { HealthCheck } from '../../src/ops/health.js';

const never = () => new Promise<never>(() => undefined);

describe('HealthCheck', () => {
  it('is healthy with Dify down (answers still say why), unhealthy with the store down', async () => {
    const difyDown = new HealthCheck({
      version: '1',
      storeKind: 'sqlite',
      store: async () => undefined,
      dify: { a: async () => ({}), b: () => Promise.reject(new Error('refused')) },
    });
    expect(await difyDown.current()).toMatchObject({ ok: true, store: { ok: true }, dify: { ok: false, apps: { a: true, b: false } } });
    const storeDown = new HealthCheck({ version: '1', storeKind: 'redis', store: () => Promise.reject(new Error('ECONNREFUSED')), dify: {} });
    expect(await storeDown.current()).toMatchObject({ ok: false, store: { kind: 'redis', ok: false } });
  });

  it('counts a probe that hangs as down, after the timeout', async () => {
    const check = new HealthCheck({ version: '1', storeKind: 'redis', store: never, dify: { a: never } }, 15_000, 50);
    expect(await check.current()).toMatchObject({ ok: false, dify: { ok: false } });
  });

  it('checks at most once per period, however often asked', async () => {
    let calls = 0;
    const check = new HealthCheck({ version: '1', storeKind: 'memory', store: async () => calls++, dify: {} }, 1000);
    await Promise.all([check.current(0), check.current(10), check.current(999)]);
    expect(calls).toBe(1);
    await check.current(1000);
    expect(calls).toBe(2);
  });
});
