// A small reader for deploy/Dockerfile, enough for the image test to replay its stages without a
// container engine: the stages (FROM ... AS name), and in each its instructions in order, with
// line continuations joined and comments dropped.

export interface Instruction {
  /** Upper-case keyword: RUN, COPY, WORKDIR, ENV, ... */
  readonly keyword: string;
  /** The rest of the line, continuations joined with a space. */
  readonly args: string;
}

export interface Stage {
  readonly image: string;
  /** The `AS name`, if any. */
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (cur === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (cur !== '' && line.trimStart().startsWith('#')) continue; // a comment inside a continuation
    if (line.endsWith('\\')) {
      cur += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((cur + line.trim()).trim());
    cur = '';
  }
  if (cur !== '') logical.push(cur.trim());

  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const l of logical) {
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(l);
    if (m === null) throw new Error(`Dockerfile: cannot read line: ${l}`);
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!;
    if (keyword === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (f === null) throw new Error(`Dockerfile: cannot read FROM ${args}`);
      stages.push({ image: f[1]!, name: f[2], instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (stage === undefined) throw new Error(`Dockerfile: ${keyword} before the first FROM`);
    stage.instructions.push({ keyword, args });
  }
  return stages;
}

/** `COPY [--from=x] [--chown=y] a b dest` -> its flags, sources and destination. */
export function parseCopy(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = args.split(/\s+/).filter((w) => w !== '');
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith('--')) {
    const [k, v] = words.shift()!.slice(2).split('=');
    flags[k!] = v ?? '';
  }
  if (words.length < 2) throw new Error(`Dockerfile: COPY needs a source and a destination: ${args}`);
  return { flags, sources: words.slice(0, -1), dest: words[words.length - 1]! };
}

/** `["node", "x.js"]` (exec form) -> its words. */
export function parseExecForm(args: string): string[] {
  const v: unknown = JSON.parse(args);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`Dockerfile: expected the exec form ["..."], got ${args}`);
  return v as string[];
}
