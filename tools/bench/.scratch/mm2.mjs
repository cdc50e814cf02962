import { initBackend } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
function time(label, fn, flops, reps=7) {
  for (let i=0;i<2;i++) tf.tidy(()=>{ const o=fn(); o.dataSync(); });
  const times=[];
  for (let i=0;i<reps;i++){ const t=performance.now(); tf.tidy(()=>{ const o=fn(); o.dataSync(); }); times.push(performance.now()-t); }
  times.sort((x,y)=>x-y); const med=times[Math.floor(times.length/2)];
  console.log(label.padEnd(44), med.toFixed(2),'ms', flops? (flops/med/1e6).toFixed(1)+' GFLOP/s':'');
}
const x = tf.randomNormal([1024,768]); const W = tf.variable(tf.randomNormal([768,768])); const W2 = tf.variable(tf.randomNormal([3072,768]));
const F = 2*1024*768*768;
time('nn persistent W^T', (()=>{ const Wt = tf.transpose(W); tf.keep(Wt); return ()=>tf.matMul(x, Wt);})(), F);
time('transpose(W) per call + nn', ()=>tf.matMul(x, tf.transpose(W)), F);
time('transpose(W) only 768x768', ()=>tf.transpose(W));
time('transpose(W2) only 3072x768', ()=>tf.transpose(W2));
time('transpose(W2) per call + nn 3072', ()=>tf.matMul(x, tf.transpose(W2)), 4*F);
time('x * W2^T nt 3072', ()=>tf.matMul(x, W2, false, true), 4*F);
time('dW via transpose(dy) nn', ()=>tf.matMul(tf.transpose(x), x), F);
const q = tf.randomNormal([96,128,64]), k = tf.randomNormal([96,128,64]);
const FA = 2*96*128*128*64;
time('attn batched nt', ()=>tf.matMul(q,k,false,true), FA);
time('attn batched nn (kT pre)', (()=>{const kt=tf.keep(tf.transpose(k,[0,2,1])); return ()=>tf.matMul(q,kt);})(), FA);
time('attn unstack 2D nn', ()=>{ const kt=tf.transpose(k,[0,2,1]); const qs=tf.unstack(q), ks=tf.unstack(kt); return tf.stack(qs.map((qi,i)=>tf.matMul(qi,ks[i]))); }, FA);
time('attn as one big 2D + mask? no: q2d x k2d^T', ()=>{ return tf.matMul(q.reshape([96*128,64]), tf.transpose(k.reshape([96*128,64]))) ;}, FA*96);
