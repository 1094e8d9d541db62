"""Modules and content blocks over HTTP, and the drip schedule."""

from datetime import UTC, datetime, timedelta

from tests.lms.conftest import School, count


def test_modules_crud_and_roles(school: School) -> None:
    c = school.client
    course = school.course()
    block = school.block(course["id"])
    base = f"/api/v1/courses/{course['id']}/modules"
    first = school.post(
        f"/courses/{course['id']}/modules",
        {"name": "Week 1", "sequence": 1, "content_block_refs": [block["id"]]},
        headers=school.teacher,
    )
    second = school.post(
        f"/courses/{course['id']}/modules", {"name": "Week 2", "sequence": 2, "unlock_after_days": 7}
    )
    assert first["content_block_refs"] == [block["id"]]
    listed = c.get(base, headers=school.owner).json()
    assert [m["name"] for m in listed["data"]] == ["Week 1", "Week 2"] and listed["count"] == 2
    assert [m["name"] for m in c.get(f"{base}?sort=-sequence", headers=school.owner).json()["data"]][
        0
    ] == "Week 2"
    assert c.get(f"{base}?q=2", headers=school.student).json()["count"] == 1
    assert c.get(f"{base}/{first['id']}", headers=school.other_teacher).status_code == 200

    for headers, status in ((school.other_teacher, 403), (school.student, 403), (school.parent, 403)):
        assert c.post(base, json={"name": "Nope"}, headers=headers).status_code == status
        assert c.patch(f"{base}/{first['id']}", json={"name": "Nope"}, headers=headers).status_code == status
        assert c.delete(f"{base}/{first['id']}", headers=headers).status_code == status
    renamed = c.patch(f"{base}/{first['id']}", json={"name": "Week One"}, headers=school.teacher)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Week One"
    assert c.delete(f"{base}/{second['id']}", headers=school.teacher).status_code == 204
    assert c.get(f"{base}/{second['id']}", headers=school.owner).status_code == 404

    draft = school.course(status="draft")
    assert c.get(f"/api/v1/courses/{draft['id']}/modules", headers=school.student).status_code == 404
    assert (
        c.post(
            f"/api/v1/courses/{draft['id']}/modules", json={"name": "X"}, headers=school.other_teacher
        ).status_code
        == 404
    )


def test_bad_module_input_writes_nothing(school: School) -> None:
    c = school.client
    course, other = school.course(), school.course()
    foreign = school.block(other["id"])
    base = f"/api/v1/courses/{course['id']}/modules"
    for body, name in [
        ({"name": "A", "extra": 1}, "extra"),
        ({"name": ""}, "name"),
        ({"name": "A", "unlock_after_days": -1}, "unlock_after_days"),
        ({"name": "A", "content_block_refs": [foreign["id"]]}, "content_block_refs"),
    ]:
        response = c.post(base, json=body, headers=school.owner)
        assert response.status_code == 422 and name in response.json()["error"]["message"], response.text
    assert count(school.tenant_id, "modules") == 0
    module = school.post(f"/courses/{course['id']}/modules", {"name": "A"})
    for body, name in [
        ({"sequence": "x"}, "sequence"),
        ({"name": None}, "name"),
        ({"bogus": 1}, "bogus"),
        ({"content_block_refs": [foreign["id"]]}, "content_block_refs"),
    ]:
        response = c.patch(f"{base}/{module['id']}", json=body, headers=school.owner)
        assert response.status_code == 422 and name in response.json()["error"]["message"], response.text
    assert c.get(f"{base}/{module['id']}", headers=school.owner).json()["content_block_refs"] == []


def test_content_blocks_crud_filters_and_bad_input(school: School) -> None:
    c = school.client
    course = school.course()
    doc = school.block(course["id"], title="Reading")
    video = school.post(
        "/content-blocks",
        {"course_id": course["id"], "type": "video", "title": "Lecture", "storage_key": "media/lecture.mp4"},
        headers=school.teacher,
    )
    by_type = c.get(
        f"/api/v1/content-blocks?course_id={course['id']}&type=video", headers=school.owner
    ).json()
    assert [b["id"] for b in by_type["data"]] == [video["id"]]
    nested = c.get(f"/api/v1/courses/{course['id']}/content-blocks?sort=title", headers=school.teacher).json()
    assert [b["title"] for b in nested["data"]] == ["Lecture", "Reading"]
    assert c.get("/api/v1/content-blocks?q=matrices", headers=school.owner).json()["count"] == 1
    assert c.get(f"/api/v1/content-blocks/{doc['id']}", headers=school.parent).status_code == 404

    for body, name in [
        ({"type": "doc", "title": "T"}, "body"),
        ({"type": "video", "title": "T"}, "storage_key"),
        ({"type": "podcast", "title": "T"}, "type"),
        ({"type": "doc", "title": "T", "body": "b", "weight": 3}, "weight"),
    ]:
        response = c.post(
            "/api/v1/content-blocks", json={"course_id": course["id"]} | body, headers=school.owner
        )
        assert response.status_code == 422 and name in response.json()["error"]["message"], response.text
    assert count(school.tenant_id, "content_blocks") == 2
    refused = c.post(
        "/api/v1/content-blocks",
        json={"course_id": course["id"], "type": "doc", "title": "T", "body": "b"},
        headers=school.other_teacher,
    )
    assert refused.status_code == 403
    assert (
        c.patch(f"/api/v1/content-blocks/{doc['id']}", json={"body": ""}, headers=school.owner).status_code
        == 422
    )
    assert (
        c.patch(
            f"/api/v1/content-blocks/{doc['id']}", json={"title": "T"}, headers=school.other_teacher
        ).status_code
        == 403
    )
    changed = c.patch(
        f"/api/v1/content-blocks/{doc['id']}", json={"body": "New text"}, headers=school.teacher
    )
    assert changed.status_code == 200 and changed.json()["body"] == "New text"

    module = school.post(f"/courses/{course['id']}/modules", {"name": "M", "content_block_refs": [doc["id"]]})
    assert c.delete(f"/api/v1/content-blocks/{doc['id']}", headers=school.student).status_code == 404
    assert c.delete(f"/api/v1/content-blocks/{doc['id']}", headers=school.teacher).status_code == 204
    refs = c.get(f"/api/v1/courses/{course['id']}/modules/{module['id']}", headers=school.owner).json()
    assert refs["content_block_refs"] == []


def test_drip_schedule_unlocks_modules_days_after_enrolment(school: School) -> None:
    c = school.client
    course = school.course()
    now_block, later_block, loose = (school.block(course["id"], title=t) for t in ("Now", "Later", "Loose"))
    school.post(
        f"/courses/{course['id']}/modules",
        {"name": "Week 1", "sequence": 1, "content_block_refs": [now_block["id"]]},
    )
    week2 = school.post(
        f"/courses/{course['id']}/modules",
        {"name": "Week 2", "sequence": 2, "unlock_after_days": 7, "content_block_refs": [later_block["id"]]},
    )

    assert c.get(f"/api/v1/content-blocks/{now_block['id']}", headers=school.student).status_code == 404
    enrollment = school.enroll(course["id"])
    modules = c.get(f"/api/v1/courses/{course['id']}/modules", headers=school.student).json()["data"]
    assert [m["locked"] for m in modules] == [False, True]
    assert modules[1]["unlocks_at"] is not None
    listed = c.get("/api/v1/content-blocks", headers=school.student).json()
    assert [b["id"] for b in listed["data"]] == [now_block["id"]]
    locked = c.get(f"/api/v1/content-blocks/{later_block['id']}", headers=school.student)
    assert locked.status_code == 403 and locked.json()["error"]["code"] == "content_locked"
    assert c.get(f"/api/v1/content-blocks/{loose['id']}", headers=school.student).status_code == 403
    assert c.get(f"/api/v1/content-blocks/{now_block['id']}", headers=school.other_student).status_code == 404

    eight_days_ago = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    assert (
        c.patch(
            f"/api/v1/enrollments/{enrollment['id']}",
            json={"enrolled_at": eight_days_ago},
            headers=school.owner,
        ).status_code
        == 200
    )
    assert c.get(f"/api/v1/content-blocks/{later_block['id']}", headers=school.student).status_code == 200
    assert c.get("/api/v1/content-blocks", headers=school.student).json()["count"] == 2
    c.patch(
        f"/api/v1/courses/{course['id']}/modules/{week2['id']}",
        json={"unlock_after_days": 30},
        headers=school.owner,
    )
    assert c.get(f"/api/v1/content-blocks/{later_block['id']}", headers=school.student).status_code == 403

    c.patch(
        f"/api/v1/courses/{course['id']}", json={"drip_schedule": {"enabled": False}}, headers=school.owner
    )
    assert c.get(f"/api/v1/content-blocks/{later_block['id']}", headers=school.student).status_code == 200
    c.patch(f"/api/v1/enrollments/{enrollment['id']}", json={"status": "cancelled"}, headers=school.owner)
    assert c.get(f"/api/v1/content-blocks/{now_block['id']}", headers=school.student).status_code == 404
    assert c.get("/api/v1/content-blocks", headers=school.student).json()["count"] == 0
