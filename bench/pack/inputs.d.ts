export interface InputFile { path: string; file: string; bytes: number }
export function makeInputSet(dir: string, totalMB: number): InputFile[];
export function manifestFor(root: string, files: InputFile[], opts?: { label?: string; main?: string; compile?: boolean; compression?: 'deflate' | 'stored' }): string;
export function prng(seed: number): () => number;
export function pythonSource(rand: () => number, bytes: number): Buffer;
