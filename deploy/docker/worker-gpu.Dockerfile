# syntax=docker/dockerfile:1
# A worker on the CUDA TorchSharp backend (TorchSharp-cuda-linux, libtorch for CUDA 12.8; port 8081: health only).
# Build from the repository root:  docker build -f deploy/docker/worker-gpu.Dockerfile -t cam-worker-gpu .
# Needs a node with an NVIDIA driver for CUDA 12.8 (>= 570) and the NVIDIA container toolkit / device plugin.

# Base images as build arguments (defaults: Microsoft's); build/images/build.sh passes locally built Debian ones.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

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
RUN dotnet restore src/Cam.WorkerHost/Cam.WorkerHost.csproj -r linux-x64 -p:TorchBackend=cuda
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/Cam.WorkerHost/Cam.WorkerHost.csproj -c Release -r linux-x64 --self-contained false \
      --no-restore -p:TorchBackend=cuda -p:UseAppHost=false -o /app

# The .NET runtime is taken from the official ASP.NET Core image rather than an apt feed.
FROM ${ASPNET_IMAGE} AS dotnet

# CUDA 12.8 + cuDNN on Ubuntu 24.04 (libstdc++ has GLIBCXX_3.4.32, which TorchSharp 0.107's native shim needs).
FROM ${CUDA_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates libssl3t64 zlib1g tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && groupadd --gid 10001 cam && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin cam
WORKDIR /app
COPY --from=build /app ./
ENV DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_ROOT=/usr/share/dotnet \
    CAM_DATA_ROOT=/data \
    CAM_MODEL_ROOT=/models \
    CAM_DEVICE=cuda \
    CAM_WORKER_URLS=http://0.0.0.0:8081 \
    CUDA_CACHE_PATH=/tmp/cuda-cache \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
VOLUME ["/data", "/models"]
EXPOSE 8081
USER 10001:10001
ENTRYPOINT ["dotnet", "Cam.WorkerHost.dll"]
