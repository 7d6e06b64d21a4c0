import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type {
  ConcurrencyWindow,
  ConcurrencyWindows,
  LimitChange,
  Permit,
  CallResult,
} from '../engine/providers/adaptive-limiter.ts';
import type { Logger } from '../logger.ts';

/**
 * The adaptive concurrency window of each remote endpoint, kept in Redis for every worker of a
 * cluster: two workers against a server that takes 4 requests in flight hold at most 4 between
 * them, instead of each learning its own window and overshooting together.
 *
 * Per endpoint, a hash holds the window (0 while unconstrained) and its learning state, and a sorted
 * set holds the permits in flight with an expiry (a worker killed mid-call frees its permits after
 * PERMIT_TTL_MS). Taking and returning a permit are Lua scripts, so every worker sees one window.
 * The rules are those of the in-process window, simplified: the first 429 episode narrows the window
 * to the calls the server still holds; it grows by one after a clean round (as many successes in a
 * row as the window) while callers wait, but only after PROBE_ROUNDS clean rounds when the next
 * level is the one that last drew a 429; a 429 at a probed level steps back to the last clean level.
 */
export class RedisConcurrencyWindows implements ConcurrencyWindows {
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly windows = new Map<string, RedisConcurrencyWindow>();

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    logger: Logger,
  ) {
    this.commands = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
    for (const client of [this.commands, this.subscriber])
      client.on('error', (error: Error) =>
        logger.warn('redis connection error', { error: error.message }),
      );
    this.commands.defineCommand('windowAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    this.commands.defineCommand('windowRelease', { numberOfKeys: 2, lua: RELEASE });
    this.subscriber.on('message', (channel: string, free: string) =>
      this.windows.get(channel)?.wake(Number(free)),
    );
  }

  for(endpoint: string): ConcurrencyWindow {
    const key = `${this.prefix}window:${createHash('sha256').update(endpoint).digest('hex').slice(0, 16)}`;
    let window = this.windows.get(key);
    if (!window) {
      window = new RedisConcurrencyWindow(this.commands as unknown as WindowCommands, key);
      this.windows.set(key, window);
      void this.subscriber.subscribe(key);
    }
    return window;
  }

  async close(): Promise<void> {
    for (const window of this.windows.values()) window.close();
    this.commands.disconnect();
    this.subscriber.disconnect();
  }
}

interface WindowCommands {
  windowAcquire(
    hash: string,
    flight: string,
    now: number,
    ttlMs: number,
    member: string,
  ): Promise<[number, number, string, number]>;
  windowRelease(
    hash: string,
    flight: string,
    member: string,
    result: CallResult,
    probeRounds: number,
    channel: string,
    epoch: number,
  ): Promise<[number, string]>;
}

/** A permit in flight longer than this belongs to a dead worker (a call times out well before). */
const PERMIT_TTL_MS = 10 * 60_000;
const PROBE_ROUNDS = 8;
/** Waiters also retry this often: a permit freed by expiry sends no message. */
const RECHECK_MS = 1000;

class RedisConcurrencyWindow implements ConcurrencyWindow {
  readonly history: LimitChange[] = [];
  private limit = 0;
  private epoch = 0;
  /** Callers waiting for a permit, oldest first. */
  private readonly waiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: WindowCommands,
    private readonly key: string,
  ) {}

  get currentLimit(): number | null {
    return this.limit === 0 ? null : this.limit;
  }

  async acquire(signal?: AbortSignal): Promise<Permit> {
    const member = randomUUID();
    let waited = false;
    for (;;) {
      signal?.throwIfAborted();
      const [granted, limit, reason, epoch] = await this.redis.windowAcquire(
        this.key,
        `${this.key}:flight`,
        Date.now(),
        PERMIT_TTL_MS,
        member,
      );
      this.observe(limit, reason as LimitChange['reason']);
      if (granted === 1) return this.permit(member, epoch);
      // A caller woken but beaten to the permit keeps its place at the head of the line.
      await this.waitForRelease(signal, waited);
      waited = true;
    }
  }

  /** `free` permits were returned somewhere in the cluster: that many waiters try again, oldest first. */
  wake(free = 1): void {
    for (const resolve of this.waiters.splice(0, Math.max(1, free))) resolve();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.wake(this.waiters.length);
  }

  /** `epoch`: the window's change count when the permit was granted (a 429 of an older epoch was already handled). */
  private permit(member: string, epoch: number): Permit {
    let released = false;
    return {
      release: (result) => {
        if (released) return;
        released = true;
        void this.redis
          .windowRelease(
            this.key,
            `${this.key}:flight`,
            member,
            result,
            PROBE_ROUNDS,
            this.key,
            epoch,
          )
          .then(
            ([limit, reason]) => this.observe(limit, reason as LimitChange['reason']),
            () => undefined, // Redis away: the permit expires instead
          );
      },
    };
  }

  private waitForRelease(signal: AbortSignal | undefined, atHead: boolean): Promise<void> {
    this.timer ??= setInterval(() => this.wake(), RECHECK_MS).unref();
    return new Promise((resolve, reject) => {
      const waiter = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (atHead) this.waiters.unshift(waiter);
      else this.waiters.push(waiter);
    });
  }

  private observe(limit: number, reason: LimitChange['reason']): void {
    if (limit === this.limit) return;
    this.limit = limit;
    this.epoch += 1;
    this.history.push({
      time: performance.now(),
      limit: this.currentLimit,
      reason,
      epoch: this.epoch,
    });
    if (this.history.length > 1000) this.history.splice(0, this.history.length - 1000);
  }
}

/** KEYS: window hash, permits in flight. ARGV: now, ttl, member. Returns {granted, limit, reason, epoch}. */
const ACQUIRE = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local inflight = redis.call('ZCARD', KEYS[2])
local limit = tonumber(redis.call('HGET', KEYS[1], 'limit') or '0')
local reason = redis.call('HGET', KEYS[1], 'reason') or 'rate_limited'
local epoch = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0')
if limit == 0 or inflight < limit then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[3])
  return {1, limit, reason, epoch}
end
redis.call('HSET', KEYS[1], 'starved', 1)
return {0, limit, reason, epoch}
`;

/**
 * KEYS: window hash, permits in flight. ARGV: member, result, probe rounds, channel, the permit's epoch.
 * A 429 of a call granted before the last change belongs to the episode already handled: it only
 * narrows a first-episode window to the calls still in flight.
 * Returns {limit, reason of the last change}; tells the channel how many permits are free.
 */
const RELEASE = `
local held = redis.call('ZREM', KEYS[2], ARGV[1])
local inflight = redis.call('ZCARD', KEYS[2])
local h = KEYS[1]
local limit = tonumber(redis.call('HGET', h, 'limit') or '0')
local good = tonumber(redis.call('HGET', h, 'good') or '0')
local failedAt = tonumber(redis.call('HGET', h, 'failedAt') or '0')
local reason = redis.call('HGET', h, 'reason') or 'rate_limited'
local epoch = tonumber(redis.call('HGET', h, 'epoch') or '0')
local before = limit
local current = tonumber(ARGV[5]) == epoch
if ARGV[2] == 'rate_limited' and held == 1 and not current then
  if good == 0 and limit > math.max(1, inflight) then
    limit = math.max(1, inflight)
    failedAt = limit + 1
  end
elseif ARGV[2] == 'rate_limited' and held == 1 then
  if good == 0 then
    -- First episode: the server holds at most the calls still in flight.
    local holding = math.max(1, inflight)
    if limit == 0 or holding < limit then
      limit = holding
      failedAt = holding + 1
      reason = 'rate_limited'
    end
  elseif limit > good then
    -- A failed probe: back to the last clean level, probe again only after several clean rounds.
    failedAt = limit
    limit = good
    reason = 'rate_limited'
  elseif inflight + 1 >= limit then
    -- A 429 at a level that had proved clean: step down by one.
    limit = math.max(1, limit - 1)
    good = limit
    reason = 'rate_limited'
  end
  redis.call('HSET', h, 'clean', 0, 'rounds', 0)
elseif ARGV[2] == 'success' and limit > 0 and current then
  local clean = tonumber(redis.call('HGET', h, 'clean') or '0') + 1
  local rounds = tonumber(redis.call('HGET', h, 'rounds') or '0')
  if clean >= limit then
    clean = 0
    rounds = rounds + 1
    if limit > good then good = limit end
    local needed = 1
    if failedAt > 0 and limit + 1 >= failedAt then needed = tonumber(ARGV[3]) end
    if rounds >= needed and redis.call('HGET', h, 'starved') == '1' then
      limit = limit + 1
      rounds = 0
      reason = 'clean_rounds'
      redis.call('HSET', h, 'starved', 0)
    end
  end
  redis.call('HSET', h, 'clean', clean, 'rounds', rounds)
end
if limit ~= before then
  epoch = epoch + 1
  redis.call('HSET', h, 'clean', 0, 'rounds', 0)
end
redis.call('HSET', h, 'limit', limit, 'good', good, 'failedAt', failedAt, 'reason', reason, 'epoch', epoch)
local free = 1
if limit == 0 then free = 1000 elseif limit > inflight then free = limit - inflight end
redis.call('PUBLISH', ARGV[4], free)
return {limit, reason}
`;
