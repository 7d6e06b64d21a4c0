import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  /** Function name and where it is (file:line, shortened to the part after node_modules/ or the checkout). */
  where: string;
  selfMs: number;
  share: number;
}

/** The functions a V8 CPU profile (`node --cpu-prof`) spent the most self time in, idle time left out. */
export function topFunctions(path: string, count = 12): { busyMs: number; lines: ProfileLine[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node || node.callFrame.functionName === '(idle)') return;
    busy += dt;
    const key = `${node.callFrame.functionName || '(anonymous)'} ${shorten(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const lines = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([where, selfMs]) => ({ where, selfMs, share: busy > 0 ? selfMs / busy : 0 }));
  return { busyMs: busy, lines };
}

function shorten(url: string): string {
  if (!url) return '';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const server = url.lastIndexOf('/server/');
  if (server >= 0) return url.slice(server + 1);
  return url.replace(/^file:\/\//, '');
}
