export { appendEntries } from './append';
export { ZipError } from './errors';
export { ZipReader } from './reader';
export { STREAM_THRESHOLD, ZipWriter } from './writer';
export * from './types';
export { parseCentralDirectory, readAt, readDirectory } from './directory';
export { LOCAL_HEADER_SIZE, SIG_LOCAL } from './records';
