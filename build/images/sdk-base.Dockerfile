# The .NET SDK on bare Debian 12 with a local NuGet feed of exactly the packages the images restore, for machines
# whose builds cannot reach nuget.org: build.sh restores on the machine (through its own NuGet configuration) and
# copies the .nupkg files of the packages the restore chose into nuget-feed/ (id/version/ layout).
# Context: dotnet/ (the machine's SDK installation), nuget-feed/ and NuGet.Config.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=true \
    DOTNET_CLI_TELEMETRY_OPTOUT=true \
    DOTNET_NOLOGO=true \
    DOTNET_SKIP_FIRST_TIME_EXPERIENCE=true \
    NUGET_CERT_REVOCATION_MODE=offline
# The feed last: it changes with the packages, the SDK layer above stays cached.
COPY NuGet.Config /root/.nuget/NuGet/NuGet.Config
COPY nuget-feed /var/cache/cam-nuget-feed
