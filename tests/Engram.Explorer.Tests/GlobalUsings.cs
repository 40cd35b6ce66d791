global using Xunit;
global using Tensor = Engram.Tensors.Tensor;
