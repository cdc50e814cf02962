import { AdamW, initBackend, trainStep } from '@peftjs/core-tensor';
import { LoRAConfig } from '@peftjs/adapters-lora';
import { BertModel, createBertConfig } from '@peftjs/models';
import * as tf from '@tensorflow/tfjs';
await initBackend();
const layers = Number(process.argv[2] ?? 1);
const model = new BertModel(createBertConfig({hidden_size:768,num_hidden_layers:layers,num_attention_heads:12,intermediate_size:3072,vocab_size:30522}), {seed:0});
const ids = tf.randomUniform([8,128],0,30522,'int32',7);
const target = tf.randomNormal([8,128,768]);
const loss = () => { const { lastHiddenState, poolerOutput } = model.forward(ids); return tf.add(tf.mean(tf.square(tf.sub(lastHiddenState, target))), tf.mean(tf.square(poolerOutput))); };
model.addAdapter('lora', LoRAConfig({r:8, alpha:16}));
model.trainAdapter('lora');
const opt = new AdamW({learningRate:1e-5});
const base = tf.memory().numBytes;
const prof = await tf.profile(() => trainStep(model.parameters(), loss, opt));
console.log('layers', layers, 'resident MB', (base/1e6).toFixed(0), 'peak MB', (prof.peakBytes/1e6).toFixed(0), 'peak above resident', ((prof.peakBytes-base)/1e6).toFixed(0));
// attribute Identity (save clones) to previous non-identity kernel
const saved = new Map(); let prev = '';
let i = 0; let maxSnap = 0, maxIdx = 0;
for (const k of prof.kernels) { if (k.totalBytesSnapshot > maxSnap) { maxSnap = k.totalBytesSnapshot; maxIdx = i; } i++; }
console.log('peak at kernel index', maxIdx, 'of', prof.kernels.length, prof.kernels[maxIdx].name);
for (const k of prof.kernels.slice(0, maxIdx)) {
  if (k.name === 'Identity') { const key = prev; saved.set(key, (saved.get(key) ?? 0) + k.bytesAdded); } else prev = k.name + ' ' + JSON.stringify(k.inputShapes);
}
let total = 0; for (const v of saved.values()) total += v;
console.log('saved-clone bytes before peak MB', (total/1e6).toFixed(0));
for (const [k, v] of [...saved].sort((a,b)=>b[1]-a[1]).slice(0,40)) console.log((v/1e6).toFixed(1).padStart(8), k.slice(0,110));
