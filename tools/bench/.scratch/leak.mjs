import { initBackend, linear, Parameter } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
const x = tf.randomNormal([2,3,5],0,1,'float32',1);
const W = new Parameter(tf.randomNormal([4,5],0,1,'float32',2));
const b = new Parameter(tf.randomNormal([4],0,1,'float32',3));
for (const frozen of [false, true]) {
  W.trainable = !frozen;
  let before = tf.memory().numTensors;
  const vg = tf.variableGrads(() => tf.sum(linear(x, W, b)), [b.variable]);
  tf.dispose([vg.value, Object.values(vg.grads)]);
  console.log('frozen', frozen, 'variableGrads leak', tf.memory().numTensors - before);
  before = tf.memory().numTensors;
  linear(x, W, b).dispose();
  console.log('forward leak', tf.memory().numTensors - before);
  before = tf.memory().numTensors;
  const g = tf.grads((xx) => tf.sum(linear(xx, W, b)))([x]);
  tf.dispose(g);
  console.log('grads leak', tf.memory().numTensors - before);
}
