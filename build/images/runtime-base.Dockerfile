# The ASP.NET Core runtime on bare Debian 12, for machines that cannot reach Microsoft's registry: build.sh builds
# it from the bare Debian image (build/test-images/bare-debian.sh) and the runtime of the SDK on the machine.
# Context: a folder holding dotnet/ (the dotnet host, host/ and shared/ of the machine's SDK installation).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=true
