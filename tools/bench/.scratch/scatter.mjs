import { initBackend } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
const idx = tf.tensor2d([[1],[3],[1],[0]], [4,1], 'int32');
const upd = tf.tensor2d([[1,2],[3,4],[5,6],[7,8]]);
tf.scatterND(idx, upd, [5,2]).print();
const big = tf.randomUniform([1024,1],0,30522,'int32');
const u = tf.randomNormal([1024,768]);
let s = performance.now(); const r = tf.scatterND(big, u, [30522,768]); r.dataSync(); console.log('scatter ms', performance.now()-s);
