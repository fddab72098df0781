"""A console-side script with the official Python SDK and no agent at all: sms-mock's simulated agent migrates.

Registers a source server, creates and starts a task for it, moves the mock clock (the mock's own API, not the SDK)
and watches the task with ShowTask, ShowServer and ListTasks until it finished; then a second task with a staged
failure. Prints one JSON line per thing it saw, for test/e2e/sdk-simulation.test.ts. Endpoint and credentials come
from the environment, as for flow.py.
"""
import json
import os
import sys
import urllib.request

from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdksms.v3 import ShowTaskRequest

from flow import action, client, create, emit, listed, register, server


def mock(method, path, body):
    """The mock's control API, plain HTTP: the SDK knows nothing of it."""
    request = urllib.request.Request(
        os.environ["SMS_ENDPOINT"] + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status


def move_clock(minutes):
    return mock("PUT", "/_mock/clock", {"advance_ms": minutes * 60_000})


def watched(sms, task_id, step):
    shown = sms.show_task(ShowTaskRequest(task_id=task_id))
    emit(
        step,
        state=shown.state,
        subtask_info=shown.subtask_info,
        error_json=shown.error_json,
        sub_tasks=[[s.name, s.progress] for s in shown.sub_tasks or []],
    )


def main():
    sms = client()

    a = register(sms, "sdk-sim-a", "192.168.0.31", "fa:16:3e:00:00:31")
    ta = create(sms, a, "sdk-sim-a")
    action(sms, ta, "start")
    watched(sms, ta, "started")
    emit("clock", status=move_clock(5))
    watched(sms, ta, "after_5_min")
    server(sms, a, "server_replicating")
    emit("clock", status=move_clock(30))
    watched(sms, ta, "after_35_min")
    server(sms, a, "server_finished")
    listed(sms, "list_finished", state="MIGRATE_SUCCESS")

    b = register(sms, "sdk-sim-b", "192.168.0.32", "fa:16:3e:00:00:32")
    tb = create(sms, b, "sdk-sim-b")
    emit("profile", status=mock("PUT", "/_mock/tasks/" + tb + "/simulation", {"profile": "fail"}))
    action(sms, tb, "start")
    emit("clock", status=move_clock(30))
    watched(sms, tb, "b_failed")
    server(sms, b, "b_server_failed")
    emit("done")


if __name__ == "__main__":
    try:
        main()
    except ServiceResponseException as error:
        emit("failed", status=error.status_code, error_code=error.error_code, error_msg=error.error_msg)
        sys.exit(1)
