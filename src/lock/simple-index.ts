// The simple repository API: a project's page lists its files, as HTML anchors (PEP 503,
// sha256 in the URL fragment) or as JSON (PEP 691). Bazel's downloader fetches the page;
// this reads it. Which format is decided by the content, since the downloader cannot send
// an Accept header.
import { z } from 'zod';
import { LockError } from './errors';

export interface IndexFile {
  filename: string;
  url: string;
  sha256?: string;
  yanked: boolean;
}

const Json = z.object({
  files: z.array(z.object({
    filename: z.string().min(1),
    url: z.string().min(1),
    hashes: z.record(z.string(), z.string()).default({}),
    yanked: z.union([z.boolean(), z.string()]).optional(),
  }).loose()),
}).loose();

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };
const unescape = (s: string) => s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
  if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
  if (e.startsWith('#') && /^#\d+$/.test(e)) return String.fromCodePoint(Number(e.slice(1)));
  return ENTITIES[e] ?? m;
});

function attrs(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(tag))) out.set(m[1].toLowerCase(), unescape(m[2] ?? m[3] ?? m[4] ?? ''));
  return out;
}

/** The files a simple API page lists, their URLs made absolute against the page's URL. */
export function parseSimplePage(text: string, pageUrl: string): IndexFile[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch (e) {
      throw new LockError(`the index page ${pageUrl} is not valid JSON (PEP 691): ${(e as Error).message}`);
    }
    const r = Json.safeParse(raw);
    if (!r.success) throw new LockError(`the index page ${pageUrl} is not a PEP 691 project page: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return r.data.files.map((f) => ({
      filename: f.filename,
      url: new URL(f.url, pageUrl).href,
      sha256: f.hashes.sha256?.toLowerCase(),
      yanked: !!f.yanked,
    }));
  }
  const out: IndexFile[] = [];
  const re = /<a\s([^>]*)>([^<]*)<\/a\s*>/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const a = attrs(m[1]);
    const href = a.get('href');
    if (!href) continue;
    const url = new URL(href, pageUrl);
    const frag = /^#?sha256=([0-9a-fA-F]{64})$/.exec(url.hash);
    url.hash = '';
    // PEP 503: the anchor's text is the URL's last path component; the URL is what gets fetched.
    const filename = decodeURIComponent(url.pathname.split('/').pop() ?? '') || unescape(m[2]).trim();
    out.push({ filename, url: url.href, sha256: frag?.[1].toLowerCase(), yanked: a.has('data-yanked') });
  }
  return out;
}
