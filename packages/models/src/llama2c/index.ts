export { loadLlama2cCheckpoint, llama2cHeaderToConfig } from './checkpoint';
export { parseLlama2cHeader, expectedLlama2cFileBytes, type Llama2cHeader } from './header';
export { Llama2cTokenizer, loadLlama2cTokenizer, type Llama2cEncodeOptions } from './tokenizer';
