global using Xunit;
global using Tensor = Engram.Tensors.Tensor;
global using Engram.Tests.Support;
