import { initBackend } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
const x = tf.randomNormal([1024,768]); const Wt = tf.randomNormal([768,768]);
const each = (label, f) => { const ts=[]; for (let i=0;i<8;i++){ const s=performance.now(); f(); ts.push((performance.now()-s).toFixed(0)); } console.log(label.padEnd(30), ts.join(' ')); };
each('nn dataSync', () => tf.tidy(() => tf.matMul(x, Wt).dataSync()));
each('nn no read', () => tf.tidy(() => { tf.matMul(x, Wt); }));
each('nn read 1', () => tf.tidy(() => { tf.matMul(x, Wt).reshape([-1]).slice(0,1).dataSync(); }));
each('nn dataSync', () => tf.tidy(() => tf.matMul(x, Wt).dataSync()));
