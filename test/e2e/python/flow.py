"""A migration driven end to end with the official Python SDK against sms-mock.

Registers two source servers, creates a task for each, runs the first through every subtask of its plan to
MIGRATE_SUCCESS, stops and resumes the second, deletes both, and prints one JSON line per thing it saw. The caller
(test/e2e/sdk-flow.test.ts) asserts on the lines. Endpoint and credentials come from the environment: SMS_ENDPOINT,
SMS_AK, SMS_SK, SMS_PROJECT_ID.
"""
import json
import os
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdksms.v3 import (
    CreateTaskRequest,
    DeleteTaskRequest,
    ListTasksRequest,
    NetWork,
    PhysicalVolume,
    PostSourceServerBody,
    PostTask,
    RegisterServerRequest,
    ServerDisk,
    ShowServerRequest,
    ShowTaskRequest,
    SmsClient,
    SourceServerByTask,
    TargetDisks,
    TargetServerByTask,
    UpdateTaskSpeedReq,
    UpdateTaskSpeedRequest,
    UpdateTaskStatusReq,
    UpdateTaskStatusRequest,
)

DISK_SIZE = 42949672960


def emit(step, **facts):
    print(json.dumps(dict(step=step, **facts), sort_keys=True), flush=True)


def client():
    config = HttpConfig.get_default_config()
    # Connect and read timeouts, in seconds: a server that stops answering fails the run instead of hanging it.
    config.timeout = (3, 20)
    credentials = BasicCredentials(os.environ["SMS_AK"], os.environ["SMS_SK"], os.environ["SMS_PROJECT_ID"])
    return (
        SmsClient.new_builder()
        .with_http_config(config)
        .with_credentials(credentials)
        .with_endpoints([os.environ["SMS_ENDPOINT"]])
        .build()
    )


def refused(call):
    """The error a call is answered with, as the SDK raises it; None when it succeeds."""
    try:
        call()
    except ServiceResponseException as error:
        return {"status": error.status_code, "error_code": error.error_code, "error_msg": error.error_msg}
    return None


def register(sms, name, ip, mac):
    body = PostSourceServerBody(
        name=name,
        hostname=name,
        ip=ip,
        os_type="LINUX",
        os_version="CENTOS_7_9_64BIT",
        agent_version="25.2.0",
        firmware="BIOS",
        boot_loader="GRUB",
        has_rsync=True,
        paravirtualization=True,
        raw_devices="",
        volume_groups=[],
        btrfs_list=[],
        cpu_quantity=2,
        memory=4018196480,
        disks=[
            ServerDisk(
                name="/dev/vda",
                partition_style="MBR",
                device_use="BOOT",
                size=DISK_SIZE,
                used_size=2853855232,
                physical_volumes=[
                    PhysicalVolume(
                        name="/dev/vda1",
                        device_use="OS",
                        file_system="ext4",
                        mount_point="/",
                        index=0,
                        size=42948606976,
                        used_size=2853855232,
                    )
                ],
            )
        ],
        networks=[NetWork(name="eth0", ip=ip, netmask="255.255.255.0", gateway="192.168.0.1", mtu=1500, mac=mac)],
    )
    response = sms.register_server(RegisterServerRequest(body=body))
    emit("register", name=name, status=response.status_code, id=response.id)
    return response.id


def server(sms, source_id, step):
    shown = sms.show_server(ShowServerRequest(source_id=source_id))
    task = shown.current_task
    disks = shown.init_target_server.disks if shown.init_target_server else None
    emit(
        step,
        source=source_id,
        state=shown.state,
        migration_cycle=shown.migration_cycle,
        current_task=None if task is None else {"id": task.id, "name": task.name, "state": task.state},
        init_disks=None if disks is None else [{"name": d.name, "size": d.size, "device_use": d.device_use} for d in disks],
        failed_checks=[c.name for c in shown.checks or [] if c.result != "OK"],
    )
    return shown


def task(sms, task_id, step):
    shown = sms.show_task(ShowTaskRequest(task_id=task_id))
    emit(
        step,
        task=task_id,
        state=shown.state,
        start_date=shown.start_date,
        finish_date=shown.finish_date,
        total_time=shown.total_time,
        sub_tasks=[{"name": s.name, "progress": s.progress} for s in shown.sub_tasks or []],
    )
    return shown


def listed(sms, step, **query):
    response = sms.list_tasks(ListTasksRequest(**query))
    emit(step, count=response.count, tasks=[{"id": t.id, "state": t.state} for t in response.tasks or []])


def create(sms, source_id, name):
    # A target the service creates from a template: the disks copied from what ShowServer recommends, no name or vm_id.
    disks = sms.show_server(ShowServerRequest(source_id=source_id)).init_target_server.disks
    body = PostTask(
        name=name,
        type="MIGRATE_BLOCK",
        os_type="LINUX",
        source_server=SourceServerByTask(id=source_id),
        target_server=TargetServerByTask(
            disks=[
                TargetDisks(name=d.name, size=d.size, device_use=d.device_use, physical_volumes=d.physical_volumes)
                for d in disks
            ]
        ),
        region_name="cn-north-4",
        region_id="cn-north-4",
        project_name="cn-north-4",
        project_id=os.environ["SMS_PROJECT_ID"],
        vm_template_id="tpl-sdk-flow",
        priority=1,
        use_public_ip=True,
        start_target_server=True,
        syncing=False,
        exist_server=False,
    )
    response = sms.create_task(CreateTaskRequest(body=body))
    emit("create", name=name, status=response.status_code, id=response.id)
    return response.id


def action(sms, task_id, operation):
    response = sms.update_task_status(
        UpdateTaskStatusRequest(task_id=task_id, body=UpdateTaskStatusReq(operation=operation))
    )
    emit("action", task=task_id, operation=operation, status=response.status_code, body=response.body)


def report(sms, task_id, subtask, progress):
    body = UpdateTaskSpeedReq(
        subtask_name=subtask,
        progress=progress,
        replicatesize=DISK_SIZE * progress // 100,
        totalsize=DISK_SIZE,
        process_trace=f"{subtask} {progress}%",
        migrate_speed=120.5,
        remain_time=(100 - progress) * 3,
    )
    response = sms.update_task_speed(UpdateTaskSpeedRequest(task_id=task_id, body=body))
    return response.status_code


def delete(sms, task_id, step):
    try:
        response = sms.delete_task(DeleteTaskRequest(task_id=task_id))
    except ServiceResponseException as error:
        emit(step, task=task_id, status=error.status_code, error_code=error.error_code, error_msg=error.error_msg)
        return
    emit(step, task=task_id, status=response.status_code, body=response.body)


def main():
    sms = client()

    # The first server, migrated from start to finish.
    a = register(sms, "sdk-flow-a", "192.168.0.21", "fa:16:3e:00:00:21")
    server(sms, a, "server_registered")
    ta = create(sms, a, "sdk-flow-a")
    plan = task(sms, ta, "task_created")
    server(sms, a, "server_with_task")
    action(sms, ta, "start")
    task(sms, ta, "task_started")
    server(sms, a, "server_started")
    listed(sms, "list_running", source_server_id=a)
    for subtask in [s.name for s in plan.sub_tasks]:
        for progress in (50, 100):
            status = report(sms, ta, subtask, progress)
            shown = sms.show_task(ShowTaskRequest(task_id=ta))
            source = sms.show_server(ShowServerRequest(source_id=a))
            emit(
                "report",
                subtask=subtask,
                progress=progress,
                status=status,
                task_state=shown.state,
                source_state=source.state,
                current_task_state=None if source.current_task is None else source.current_task.state,
            )
    task(sms, ta, "task_finished")
    server(sms, a, "server_finished")
    listed(sms, "list_finished", state="MIGRATE_SUCCESS")

    # The second server: stopped, resumed, refused deletion while it runs.
    b = register(sms, "sdk-flow-b", "192.168.0.22", "fa:16:3e:00:00:22")
    tb = create(sms, b, "sdk-flow-b")
    action(sms, tb, "start")
    task(sms, tb, "b_started")
    action(sms, tb, "stop")
    task(sms, tb, "b_stopped")
    server(sms, b, "b_server_stopped")
    action(sms, tb, "start")
    task(sms, tb, "b_resumed")
    server(sms, b, "b_server_resumed")
    listed(sms, "list_all", limit=10, offset=0)
    delete(sms, tb, "b_delete_running")
    task(sms, tb, "b_after_refused_delete")
    action(sms, tb, "stop")
    delete(sms, tb, "b_delete_stopped")
    delete(sms, ta, "a_delete_finished")

    for step, task_id in (("a_gone", ta), ("b_gone", tb)):
        error = refused(lambda: sms.show_task(ShowTaskRequest(task_id=task_id)))
        emit(step, task=task_id, error=error)
    server(sms, a, "server_a_after_delete")
    listed(sms, "list_empty")
    emit("done")


if __name__ == "__main__":
    try:
        main()
    except ServiceResponseException as error:
        emit("failed", status=error.status_code, error_code=error.error_code, error_msg=error.error_msg)
        sys.exit(1)
