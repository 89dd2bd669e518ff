# syntax=docker/dockerfile:1
# A worker on the CPU TorchSharp backend (port 8081: health only).
# Build from the repository root:  docker build -f deploy/docker/worker-cpu.Dockerfile -t cam-worker .

# Base images as build arguments (defaults: Microsoft's); build/images/build.sh passes locally built Debian ones.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY src/Cam.Contracts/Cam.Contracts.csproj src/Cam.Contracts/
COPY src/Cam.Datasets/Cam.Datasets.csproj src/Cam.Datasets/
COPY src/Cam.Specs/Cam.Specs.csproj src/Cam.Specs/
COPY src/Cam.Engine/Cam.Engine.csproj src/Cam.Engine/
COPY src/Cam.Storage/Cam.Storage.csproj src/Cam.Storage/
COPY src/Cam.Hosting/Cam.Hosting.csproj src/Cam.Hosting/
COPY src/Cam.Audit/Cam.Audit.csproj src/Cam.Audit/
COPY src/Cam.Worker/Cam.Worker.csproj src/Cam.Worker/
COPY src/Cam.WorkerHost/Cam.WorkerHost.csproj src/Cam.WorkerHost/
RUN dotnet restore src/Cam.WorkerHost/Cam.WorkerHost.csproj -r linux-x64 -p:TorchBackend=cpu
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/Cam.WorkerHost/Cam.WorkerHost.csproj -c Release -r linux-x64 --self-contained false \
      --no-restore -p:TorchBackend=cpu -p:UseAppHost=false -o /app

# Ubuntu 24.04: libstdc++ has GLIBCXX_3.4.32, which TorchSharp 0.107's native shim needs.
FROM ${ASPNET_IMAGE}
RUN groupadd --gid 10001 cam && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin cam
WORKDIR /app
COPY --from=build /app ./
ENV CAM_DATA_ROOT=/data \
    CAM_MODEL_ROOT=/models \
    CAM_DEVICE=cpu \
    CAM_WORKER_URLS=http://0.0.0.0:8081 \
    ASPNETCORE_HTTP_PORTS=
VOLUME ["/data", "/models"]
EXPOSE 8081
USER 10001:10001
ENTRYPOINT ["dotnet", "Cam.WorkerHost.dll"]
