import { initBackend, Embedding } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
const e = new Embedding(10, 3, 1);
const ids = tf.tensor2d([[1,2,1],[9,0,1]], [2,3], 'int32');
let b = tf.memory().numTensors; e.apply(ids).dispose(); console.log('fwd leak', tf.memory().numTensors - b);
b = tf.memory().numTensors; const r = tf.variableGrads(() => tf.sum(e.apply(ids)), [e.weight.variable]); tf.dispose([r.value, Object.values(r.grads)]); console.log('grad leak', tf.memory().numTensors - b);
b = tf.memory().numTensors; const r2 = tf.variableGrads(() => tf.sum(tf.gather(e.weight.value, ids)), [e.weight.variable]); tf.dispose([r2.value, Object.values(r2.grads)]); console.log('ref (tf.gather) grad leak', tf.memory().numTensors - b);
