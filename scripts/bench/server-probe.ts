/**
 * Loaded into the benchmark's server child with `--import` (so it works on any checkout's server):
 * measures the event loop's delay and garbage collection, and writes them to LLMFORGE_BENCH_PROBE as
 * JSON on SIGUSR2, then starts over. The benchmark asks at the start and end of each measurement.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const file = process.env.LLMFORGE_BENCH_PROBE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count += 1;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  let sequence = 0;
  let since = performance.now();
  let cpuSince = process.cpuUsage();
  process.on('SIGUSR2', () => {
    sequence += 1;
    const ms = (ns: number) => ns / 1e6;
    const cpu = process.cpuUsage(cpuSince);
    writeFileSync(
      file,
      JSON.stringify({
        sequence,
        wallMs: performance.now() - since,
        cpuMs: (cpu.user + cpu.system) / 1000,
        eventLoopDelayMs: {
          p50: ms(delay.percentile(50)),
          p99: ms(delay.percentile(99)),
          max: ms(delay.max),
          mean: ms(delay.mean),
        },
        gc,
      }),
    );
    delay.reset();
    gc = { count: 0, totalMs: 0, maxMs: 0 };
    since = performance.now();
    cpuSince = process.cpuUsage();
  });
}
