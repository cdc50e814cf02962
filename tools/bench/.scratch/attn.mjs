import { initBackend } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
function time(label, fn, flops, reps=7) {
  for (let i=0;i<2;i++) tf.tidy(()=>{ const o=fn(); o.dataSync(); });
  const times=[];
  for (let i=0;i<reps;i++){ const t=performance.now(); tf.tidy(()=>{ const o=fn(); o.dataSync(); }); times.push(performance.now()-t); }
  times.sort((x,y)=>x-y); const med=times[Math.floor(times.length/2)];
  console.log(label.padEnd(44), med.toFixed(2),'ms', flops? (flops/med/1e6).toFixed(2)+' GFLOP/s':'');
}
for (const [G, M, N, K] of [[32,512,256,8],[96,128,128,64]]) {
  console.log('--- G',G,'M',M,'N',N,'K',K);
  const q = tf.randomNormal([G,M,K]), k = tf.randomNormal([G,N,K]), p = tf.randomNormal([G,M,N]), v = tf.randomNormal([G,N,K]);
  const F = 2*G*M*N*K;
  time('QK batched nt', ()=>tf.matMul(q,k,false,true), F);
  time('QK batched nn (transpose k)', ()=>tf.matMul(q,tf.transpose(k,[0,2,1])), F);
  time('QK batched tn? (transpose q) ', ()=>tf.matMul(tf.transpose(q,[0,2,1]),tf.transpose(k,[0,2,1]), true, false), F);
  time('QK unstack xnn', ()=>{ const kt=tf.transpose(k,[0,2,1]); const qs=tf.unstack(q), ks=tf.unstack(kt); return tf.stack(qs.map((qi,i)=>tf.matMul(qi,ks[i]))); }, F);
  time('QK split xnn concat', ()=>{ const kt=tf.transpose(k,[0,2,1]); const qs=tf.split(q.reshape([G*M,K]),G,0), ks=tf.split(kt.reshape([G*K,N]), G, 0); return tf.concat(qs.map((qi,i)=>tf.matMul(qi,ks[i])),0); }, F);
  time('PV batched nn', ()=>tf.matMul(p,v), F);
  time('PV unstack xnn', ()=>{ const ps=tf.unstack(p), vs=tf.unstack(v); return tf.stack(ps.map((pi,i)=>tf.matMul(pi,vs[i]))); }, F);
  time('PV split xnn concat', ()=>{ const ps=tf.split(p.reshape([G*M,N]),G,0), vs=tf.split(v.reshape([G*N,K]),G,0); return tf.concat(ps.map((pi,i)=>tf.matMul(pi,vs[i])),0); }, F);
  time('PV as (v^T p^T)^T: unstack', ()=>{ const ps=tf.unstack(tf.transpose(p,[0,2,1])), vs=tf.unstack(tf.transpose(v,[0,2,1])); return tf.stack(ps.map((pi,i)=>tf.matMul(vs[i],pi))); }, F);
  time('slice only (unstack q)', ()=>tf.stack(tf.unstack(q)));
}
