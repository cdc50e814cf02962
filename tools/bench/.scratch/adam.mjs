import { initBackend, AdamW, Parameter } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
// Compare against tfjs's own Adam (+ decoupled decay applied the same way) over several steps.
const shapes = [[37, 5], [11], [3, 4, 2]];
const ours = shapes.map((s, i) => new Parameter(tf.randomNormal(s, 0, 1, 'float32', i + 1)));
const ref = shapes.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', i + 1)));
const opt = new AdamW({ learningRate: 0.01, weightDecay: 0.1 });
const adam = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
for (let step = 0; step < 6; step++) {
  const lr = 0.01 * (step + 1) / 6;
  opt.setLearningRate(lr); adam.learningRate = lr;
  const g = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 100 + step * 10 + i));
  const gradsOurs = Object.fromEntries(ours.map((p, i) => [p.variable.name, g[i]]));
  opt.applyGradients(gradsOurs, ours);
  tf.tidy(() => { for (const v of ref) v.assign(tf.mul(v, 1 - lr * 0.1)); });
  adam.applyGradients(Object.fromEntries(ref.map((v, i) => [v.name, g[i]])));
  tf.dispose(g);
}
let maxd = 0; let bitsEqual = true;
ours.forEach((p, i) => { const a = p.value.dataSync(), b = ref[i].dataSync(); a.forEach((x, j) => { maxd = Math.max(maxd, Math.abs(x - b[j])); if (x !== b[j]) bitsEqual = false; }); });
console.log('max diff vs tf.train.adam', maxd, 'bitwise equal', bitsEqual);
const before = tf.memory().numTensors; const g = ours.map((p) => tf.onesLike(p.value)); opt.applyGradients(Object.fromEntries(ours.map((p, i) => [p.variable.name, g[i]])), ours); tf.dispose(g); console.log('leak', tf.memory().numTensors - before);
opt.dispose(); console.log('after dispose', tf.memory().numTensors - before);
