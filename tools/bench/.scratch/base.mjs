import { initBackend } from '@peftjs/core-tensor';
import { BertModel, createBertConfig, loadLlama2cCheckpoint, stories260KPaths } from '@peftjs/models';
import * as tf from '@tensorflow/tfjs';
await initBackend();
const llama = await loadLlama2cCheckpoint(stories260KPaths().checkpoint);
const ids = tf.randomUniform([8,256],0,512,'int32');
for (let i=0;i<4;i++){ const t=performance.now(); const o=llama.forward(ids); o.dataSync(); o.dispose(); console.log('llama fwd', (performance.now()-t).toFixed(1)); }
const bert = new BertModel(createBertConfig({hidden_size:768,num_hidden_layers:12,num_attention_heads:12,intermediate_size:3072,vocab_size:30522}));
const bids = tf.randomUniform([8,128],0,30522,'int32');
for (let i=0;i<2;i++){ const t=performance.now(); const o=bert.forward(bids); o.lastHiddenState.dataSync(); tf.dispose([o.lastHiddenState,o.poolerOutput]); console.log('bert fwd', (performance.now()-t).toFixed(1)); }
console.log(process.resourceUsage().maxRSS/1024, 'MB maxRSS');
