// Silences the tfjs console banner ("Hi there 👋 ...") in every test file.
const tf = require('@tensorflow/tfjs');

tf.env().set('IS_TEST', true);
