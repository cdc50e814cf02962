import { initBackend } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
function bench(label, aShape, bShape, ta, tb, reps=5) {
  const a = tf.randomNormal(aShape), b = tf.randomNormal(bShape);
  let out = tf.matMul(a,b,ta,tb); out.dataSync(); const flops = 2*out.size*(ta? a.shape[a.rank-2]: a.shape[a.rank-1]); out.dispose();
  const times=[];
  for (let i=0;i<reps;i++){ const t=performance.now(); const o=tf.matMul(a,b,ta,tb); o.dataSync(); times.push(performance.now()-t); o.dispose(); }
  times.sort((x,y)=>x-y); const med=times[Math.floor(times.length/2)];
  console.log(label.padEnd(40), med.toFixed(2),'ms', (flops/med/1e6).toFixed(1),'GFLOP/s');
  a.dispose(); b.dispose();
}
bench('1024x1024x1024 nn', [1024,1024],[1024,1024],false,false);
bench('1024x1024x1024 nt', [1024,1024],[1024,1024],false,true);
bench('1024x768 x 768x768 nt', [1024,768],[768,768],false,true);
bench('1024x768 x 3072x768 nt', [1024,768],[3072,768],false,true);
bench('1024x3072 x 768x3072 nt', [1024,3072],[768,3072],false,true);
bench('dx: 1024x768 x 768x768 nn', [1024,768],[768,768],false,false);
bench('dW: (1024x768)T x 1024x768 tn', [1024,768],[1024,768],true,false);
bench('attn QK 96x128x64 nt', [96,128,64],[96,128,64],false,true);
bench('attn PV 96x128x128 nn', [96,128,128],[96,128,64],false,false);
bench('lora A 1024x768 x 8x768 nt', [1024,768],[8,768],false,true);
bench('lora B 1024x8 x 768x8 nt', [1024,8],[768,8],false,true);
bench('llama 2048x64 x 64x64 nt', [2048,64],[64,64],false,true);
bench('llama 2048x64 x 172x64 nt', [2048,64],[172,64],false,true);
bench('llama 2048x64 x 512x64 nt', [2048,64],[512,64],false,true);
bench('llama attn 64x256x8 nt', [64,256,8],[64,256,8],false,true);
