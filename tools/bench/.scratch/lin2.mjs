import { initBackend, linear, Parameter } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
const x = tf.randomNormal([1024,768]); const W = new Parameter(tf.randomNormal([768,768]));
const each = (label, f) => { const ts=[]; for (let i=0;i<6;i++){ const s=performance.now(); f(); ts.push((performance.now()-s).toFixed(0)); } console.log(label, ts.join(' ')); };
each('linear fwd', () => tf.tidy(() => linear(x, W).dataSync()));
each('matMul(x, transpose(W))', () => tf.tidy(() => tf.matMul(x, tf.transpose(W.value)).dataSync()));
each('linear fwd again', () => tf.tidy(() => linear(x, W).dataSync()));
each('runKernel direct', () => tf.tidy(() => tf.engine().runKernel('PeftjsLinear', {a: x, b: W.value}).dataSync()));
