import { initBackend } from '@peftjs/core-tensor';
import { BertModel, createBertConfig, loadLlama2cCheckpoint, stories260KPaths } from '@peftjs/models';
import * as tf from '@tensorflow/tfjs';
await initBackend();
async function prof(label, fn) {
  fn(); // warm
  const t = performance.now();
  const info = await tf.profile(fn);
  const wall = performance.now() - t;
  const by = new Map();
  for (const k of info.kernels) { const key = k.name + ' ' + JSON.stringify(k.inputShapes); const e = by.get(key) ?? {ms:0,n:0}; e.ms += k.kernelTimeMs; e.n++; by.set(key, e); }
  const byName = new Map();
  for (const k of info.kernels) { const e = byName.get(k.name) ?? {ms:0,n:0}; e.ms += k.kernelTimeMs; e.n++; byName.set(k.name, e); }
  const total = info.kernels.reduce((s,k)=>s+k.kernelTimeMs,0);
  console.log(`== ${label}: wall ${wall.toFixed(0)} ms, kernel total ${total.toFixed(0)} ms, peak ${(info.peakBytes/1e6).toFixed(0)} MB`);
  for (const [k,e] of [...byName].sort((a,b)=>b[1].ms-a[1].ms).slice(0,15)) console.log('  ', k.padEnd(20), e.ms.toFixed(1).padStart(9), e.n);
  for (const [k,e] of [...by].sort((a,b)=>b[1].ms-a[1].ms).slice(0,12)) console.log('  ', k.slice(0,70).padEnd(70), e.ms.toFixed(1).padStart(9), e.n);
}
const llama = await loadLlama2cCheckpoint(stories260KPaths().checkpoint);
const ids = tf.randomUniform([8,256],0,512,'int32');
await prof('llama', () => { const o = llama.forward(ids); o.dataSync(); o.dispose(); });
if (process.argv[2] === 'bert') {
const bert = new BertModel(createBertConfig({hidden_size:768,num_hidden_layers:12,num_attention_heads:12,intermediate_size:3072,vocab_size:30522}));
const bids = tf.randomUniform([8,128],0,30522,'int32');
await prof('bert', () => { const o = bert.forward(bids); o.lastHiddenState.dataSync(); tf.dispose([o.lastHiddenState,o.poolerOutput]); });
}
