public class Smoke { [Fact] public void Runs() => Assert.Equal(2f, TorchSharp.torch.ones(2).sum().item<float>()); }
