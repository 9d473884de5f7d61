// solidity-coverage settings (CommonJS: the package is "type": "module").
module.exports = {
  skipFiles: ["test/", "bench/", "interfaces/"],
  istanbulReporter: ["json-summary", "text"],
  configureYulOptimizer: true,
};
