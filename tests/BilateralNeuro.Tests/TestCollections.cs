// TorchSharp holds global native state (RNG, thread pools, dispose-scope statistics): run test classes one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
