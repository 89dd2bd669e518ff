using System.Text.RegularExpressions;

namespace Cam.Deploy.Tests;

public class SecurityTests
{
    public static TheoryData<string> Targets => new(Kustomize.Targets);

    /// <summary>Renders meant for real clusters: credentials come from a Secret created out of band.</summary>
    public static TheoryData<string> NonDevTargets => new(Kustomize.Base, "overlays/gke", "overlays/eks", "overlays/aks");

    private static readonly Regex[] CredentialPatterns =
    [
        new(@"password\s*=", RegexOptions.IgnoreCase),
        new(@"\b(amqps?|https?|postgres(ql)?)://[^/\s:@]+:[^@\s]+@", RegexOptions.IgnoreCase),
        new(@"(POSTGRES_PASSWORD|RABBITMQ_DEFAULT_PASS)\s*\n\s*value:", RegexOptions.IgnoreCase),
    ];

    [Theory]
    [MemberData(nameof(NonDevTargets))]
    public void Cloud_renders_contain_no_secret_objects_or_credentials(string target)
    {
        var rendered = Kustomize.Render(target);
        Assert.Empty(rendered.OfKind("Secret"));
        foreach (var pattern in CredentialPatterns)
            Assert.False(pattern.IsMatch(rendered.Yaml), $"{target} contains something credential-like ({pattern})");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Connection_strings_and_the_api_key_come_from_the_cam_secret(string target)
    {
        var rendered = Kustomize.Render(target);
        var expected = new Dictionary<(string Workload, string Container), string[]>
        {
            [(Manifest.SchedulerDeployment, "scheduler")] = ["CAM_POSTGRES", "CAM_RABBITMQ", "CAM_API_KEY"],
            [(Manifest.WorkerDeployment, "worker")] = ["CAM_POSTGRES", "CAM_RABBITMQ"],
        };
        foreach (var ((workload, name), variables) in expected)
        {
            var container = Manifest.Container(rendered.Single("Deployment", workload), name);
            foreach (var variable in variables)
            {
                var entry = Manifest.Items(container["env"]).SingleOrDefault(e => Manifest.Str(e["name"]) == variable);
                Assert.True(entry is not null, $"{workload}/{name} has no {variable}");
                Assert.Equal("cam-secrets", Manifest.Str(entry["valueFrom"]?["secretKeyRef"]?["name"]));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void All_containers_run_as_non_root(string target)
    {
        foreach (var (workload, pod) in Manifest.Pods(Kustomize.Render(target)))
            foreach (var container in Manifest.Containers(pod))
            {
                var where = $"{target} {workload}/{Manifest.Str(container["name"])}";
                var nonRoot = Manifest.Str(container["securityContext"]?["runAsNonRoot"]) ?? Manifest.Str(pod["securityContext"]?["runAsNonRoot"]);
                var user = Manifest.Str(container["securityContext"]?["runAsUser"]) ?? Manifest.Str(pod["securityContext"]?["runAsUser"]);
                Assert.True(nonRoot == "true", $"{where}: runAsNonRoot is not true");
                Assert.True(user is not null && user != "0", $"{where}: runs as user {user ?? "(image default)"}");
                Assert.True(Manifest.Str(container["securityContext"]?["allowPrivilegeEscalation"]) == "false", $"{where}: may escalate privileges");
            }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Cam_containers_run_as_cam_with_a_read_only_root_and_a_writable_tmp(string target)
    {
        foreach (var (workload, pod) in Manifest.Pods(Kustomize.Render(target)).Where(p => p.Name.Contains("/cam-")))
        {
            Assert.Equal(10001, Manifest.Int(pod["securityContext"]?["runAsUser"]));
            Assert.Equal("false", Manifest.Str(pod["automountServiceAccountToken"]));
            foreach (var container in Manifest.Containers(pod))
            {
                Assert.Equal("true", Manifest.Str(container["securityContext"]?["readOnlyRootFilesystem"]));
                var tmp = Manifest.Items(container["volumeMounts"]).Single(m => Manifest.Str(m["mountPath"]) == "/tmp");
                var volume = Manifest.Items(pod["volumes"]).Single(v => Manifest.Str(v["name"]) == Manifest.Str(tmp["name"]));
                Assert.True(volume["emptyDir"] is not null, $"{workload}: /tmp is not an emptyDir");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Service_account_mounts_no_api_token(string target)
    {
        var account = Kustomize.Render(target).Single("ServiceAccount", "cam");
        Assert.Equal("false", Manifest.Str(account["automountServiceAccountToken"]));
    }

    [Theory]
    [InlineData("base", Manifest.SchedulerDeployment)]
    [InlineData("base", Manifest.WorkerDeployment)]
    [InlineData("overlays/dev", Manifest.WorkerDeployment)]
    [InlineData("overlays/gke", Manifest.WorkerDeployment)]
    [InlineData("overlays/eks", Manifest.WorkerDeployment)]
    [InlineData("overlays/aks", Manifest.WorkerDeployment)]
    public void Data_and_models_are_mounted_read_only_from_their_claims(string target, string deployment)
    {
        var workload = Kustomize.Render(target).Single("Deployment", deployment);
        var pod = Manifest.PodSpec(workload);
        foreach (var (path, claim) in new[] { ("/data", "cam-data"), ("/models", "cam-models") })
        {
            var mount = Manifest.Items(Manifest.Containers(pod).First()["volumeMounts"]).Single(m => Manifest.Str(m["mountPath"]) == path);
            Assert.Equal("true", Manifest.Str(mount["readOnly"]));
            var volume = Manifest.Items(pod["volumes"]).Single(v => Manifest.Str(v["name"]) == Manifest.Str(mount["name"]));
            Assert.Equal(claim, Manifest.Str(volume["persistentVolumeClaim"]?["claimName"]));
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Ingress_is_denied_by_default_and_workers_expose_only_their_health_port(string target)
    {
        var rendered = Kustomize.Render(target);
        var policies = rendered.OfKind("NetworkPolicy").ToList();
        Assert.Contains(policies, p => p["spec"]?["podSelector"]?.AsObject().Count == 0 && p["spec"]?["ingress"] is null
            && p["spec"]?["policyTypes"]?.AsArray().Select(Manifest.Str).Contains("Ingress") == true);
        var workerRules = policies
            .Where(p => Manifest.Str(p["spec"]?["podSelector"]?["matchLabels"]?["app.kubernetes.io/name"]) == Manifest.WorkerDeployment)
            .SelectMany(p => Manifest.Items(p["spec"]?["ingress"])).ToList();
        var ports = workerRules.SelectMany(r => Manifest.Items(r["ports"])).Select(p => Manifest.Int(p["port"])).Distinct();
        Assert.Equal([8081], ports);
        Assert.All(workerRules, r => Assert.NotNull(r["from"]));
    }
}
