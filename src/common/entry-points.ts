// entry_points.txt of a wheel's .dist-info (INI: `[console_scripts]`, `name = module:attr [extras]`).

/** The console_scripts of an entry_points.txt: script name -> "module:attr". */
export function consoleScripts(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let section = '';
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1].trim();
      continue;
    }
    if (section !== 'console_scripts') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const value = line.slice(eq + 1).replace(/\[[^\]]*\]\s*$/, '').trim();
    out[line.slice(0, eq).trim()] = value;
  }
  return out;
}
