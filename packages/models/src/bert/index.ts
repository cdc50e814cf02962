export * from '../tokenizers';
