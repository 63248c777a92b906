/** What /healthz reports: the store answers, and each Dify app is reachable. */
export interface Health {
  ok: boolean;
  version: string;
  store: { kind: string; ok: boolean; ms: number };
  dify: { ok: boolean; apps: Record<string, boolean> };
  checkedAt: string;
}

export interface HealthProbes {
  version: string;
  storeKind: string;
  /** A cheap read from the store. */
  store(): Promise<unknown>;
  /** One cheap call per configured Dify app. */
  dify: Record<string, () => Promise<unknown>>;
}

/**
 * Health checked at most every `maxAgeMs` however often it is asked (load balancers poll
 * often; each check costs a Dify call per app), concurrent asks sharing one check. Dify being
 * down leaves the bridge healthy (it still answers, with a clear error); the store being down
 * does not.
 */
export class HealthCheck {
  private last?: { at: number; health: Promise<Health> };

  constructor(
    private readonly probes: HealthProbes,
    private readonly maxAgeMs = 15_000,
    private readonly timeoutMs = 3_000,
  ) {}

  current(now = Date.now()): Promise<Health> {
    if (!this.last || now - this.last.at >= this.maxAgeMs) this.last = { at: now, health: this.check() };
    return this.last.health;
  }

  private async check(): Promise<Health> {
    const started = Date.now();
    const storeOk = await this.settle(this.probes.store());
    const storeMs = Date.now() - started;
    const names = Object.keys(this.probes.dify);
    const results = await Promise.all(names.map((n) => this.settle(this.probes.dify[n]!())));
    const apps = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
    return {
      ok: storeOk,
      version: this.probes.version,
      store: { kind: this.probes.storeKind, ok: storeOk, ms: storeMs },
      dify: { ok: results.every(Boolean), apps },
      checkedAt: new Date(started).toISOString(),
    };
  }

  private settle(p: Promise<unknown>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    return Promise.race([
      p.then(
        () => true,
        () => false,
      ),
      timeout,
    ]).finally(() => clearTimeout(timer));
  }
}
