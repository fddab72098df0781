"""A migration agent's side of the conversation, driven with the official Python SDK against sms-mock.

Reads its configuration, registers its server, polls for commands (nothing to do yet), then, as a console creates
and starts a task, gets START with the task id and reports it done; the console stops the task, the agent gets STOP,
reports it done, and the task shows ABORT. Prints one JSON line per thing it saw; the caller
(test/e2e/sdk-agent.test.ts) asserts on the lines. Endpoint and credentials come from the environment: SMS_ENDPOINT,
SMS_AK, SMS_SK, SMS_PROJECT_ID.
"""
import os
import sys

from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdksms.v3 import (
    CommandBody,
    CreateTaskRequest,
    NetWork,
    PostSourceServerBody,
    PostTask,
    RegisterServerRequest,
    ServerDisk,
    ShowCommandRequest,
    ShowConfigRequest,
    ShowServerRequest,
    ShowTaskRequest,
    SourceServerByTask,
    TargetDisks,
    TargetServerByTask,
    UpdateCommandResultRequest,
    UpdateTaskStatusReq,
    UpdateTaskStatusRequest,
)

from flow import DISK_SIZE, client, emit


def register(sms):
    body = PostSourceServerBody(
        name="sdk-agent",
        hostname="sdk-agent",
        ip="192.168.0.31",
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
        disks=[ServerDisk(name="/dev/vda", partition_style="MBR", device_use="BOOT", size=DISK_SIZE, used_size=0)],
        networks=[
            NetWork(
                name="eth0", ip="192.168.0.31", netmask="255.255.255.0", gateway="192.168.0.1", mac="fa:16:3e:00:00:31"
            )
        ],
    )
    response = sms.register_server(RegisterServerRequest(body=body))
    emit("register", status=response.status_code, id=response.id)
    return response.id


def command(sms, server_id, step):
    response = sms.show_command(ShowCommandRequest(server_id=server_id))
    param = response.command_param
    emit(
        step,
        status=response.status_code,
        command_name=response.command_name,
        task_id=None if param is None else param.task_id,
    )
    return response


def result(sms, server_id, name, outcome, step):
    body = CommandBody(command_name=name, result=outcome, result_detail={"msg": f"{name} {outcome}"})
    response = sms.update_command_result(UpdateCommandResultRequest(server_id=server_id, body=body))
    emit(step, status=response.status_code, body=response.body)


def action(sms, task_id, operation):
    response = sms.update_task_status(
        UpdateTaskStatusRequest(task_id=task_id, body=UpdateTaskStatusReq(operation=operation))
    )
    emit("action", operation=operation, status=response.status_code)


def task(sms, task_id, step):
    shown = sms.show_task(ShowTaskRequest(task_id=task_id))
    emit(step, state=shown.state, connected=shown.connected, error_json=shown.error_json)


def server(sms, server_id, step):
    shown = sms.show_server(ShowServerRequest(source_id=server_id))
    emit(step, state=shown.state, connected=shown.connected)


def create(sms, server_id):
    body = PostTask(
        name="sdk-agent",
        type="MIGRATE_FILE",
        os_type="LINUX",
        source_server=SourceServerByTask(id=server_id),
        target_server=TargetServerByTask(disks=[TargetDisks(name="/dev/vda", size=DISK_SIZE, device_use="BOOT")]),
        region_name="cn-north-4",
        region_id="cn-north-4",
        project_name="cn-north-4",
        project_id=os.environ["SMS_PROJECT_ID"],
        vm_template_id="tpl-sdk-agent",
    )
    response = sms.create_task(CreateTaskRequest(body=body))
    emit("create", status=response.status_code, id=response.id)
    return response.id


def main():
    sms = client()

    shown = sms.show_config(ShowConfigRequest())
    emit("config", status=shown.status_code, config=shown.config, regions=shown.regions)

    server_id = register(sms)
    command(sms, server_id, "idle")

    # A console creates the task and starts it; the agent polls and is told to start.
    task_id = create(sms, server_id)
    command(sms, server_id, "created")
    action(sms, task_id, "start")
    command(sms, server_id, "start")
    command(sms, server_id, "start_again")
    result(sms, server_id, "START", "success", "start_done")
    task(sms, task_id, "running")

    # The console stops it: with the agent live, the task waits in ABORTING for the agent's STOP result.
    action(sms, task_id, "stop")
    task(sms, task_id, "aborting")
    server(sms, server_id, "server_stopping")
    command(sms, server_id, "stop")
    result(sms, server_id, "STOP", "success", "stop_done")
    task(sms, task_id, "aborted")
    server(sms, server_id, "server_stopped")
    command(sms, server_id, "stopped")
    emit("done")


if __name__ == "__main__":
    try:
        main()
    except ServiceResponseException as error:
        emit("failed", status=error.status_code, error_code=error.error_code, error_msg=error.error_msg)
        sys.exit(1)
