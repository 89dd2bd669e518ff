namespace Cam.Deploy.Tests;

public class RenderTests
{
    public static TheoryData<string> Targets => new(Kustomize.Targets);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_overlay_renders_without_errors_or_warnings(string target)
    {
        var rendered = Kustomize.Render(target);
        Assert.True(rendered.ExitCode == 0, $"kubectl kustomize {target} failed:\n{rendered.Errors}");
        Assert.True(rendered.Errors.Trim().Length == 0, $"kubectl kustomize {target} warned:\n{rendered.Errors}");
        Assert.NotEmpty(rendered.Objects);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Everything_but_the_namespace_itself_lives_in_namespace_cam(string target)
    {
        var rendered = Kustomize.Render(target);
        Assert.Equal("cam", Manifest.Str(rendered.Single("Namespace", "cam")["metadata"]?["name"]));
        foreach (var o in rendered.Objects.Where(o => Manifest.Str(o["kind"]) != "Namespace"))
            Assert.True(Manifest.Str(o["metadata"]?["namespace"]) == "cam", $"{o["kind"]}/{o["metadata"]?["name"]} is not in namespace cam");
    }
}
