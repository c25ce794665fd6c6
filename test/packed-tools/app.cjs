// A CommonJS application: require() gives it core's CommonJS build, while connect() imports each
// backend's ESM build, which brings the ESM copy of core: the backends' errors are that copy's.
'use strict';
const core = require('@switchboard/core');
const { probeErrors } = require('./probe-errors.cjs');

probeErrors(core, JSON.parse(process.env.SWITCHBOARD_BROKERS ?? '{}')).then(
  (results) => console.log(JSON.stringify(results)),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
