export { writeFileAtomic } from './atomic-write';
export { fileByteLength, readFileBytes, readFileRange } from './read-file';
