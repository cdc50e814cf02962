export { readBinarySource, type BinarySource } from './binary-source';
export { stories260KPaths, type Llama2cAssetPaths } from './assets';
