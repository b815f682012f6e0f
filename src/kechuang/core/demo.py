"""Demo logins of the separated duties: the system administrator (xitong) and the security auditor (shenji)."""
from django.contrib.auth import get_user_model

from .choices import Role


def after(ctx) -> None:
    User = get_user_model()
    for key, username, role, name, note in (
            ("sysadmin", "xitong", Role.SYSADMIN, "系统管理员 赵工", "系统管理员（只管账号，不见业务数据）"),
            ("auditor", "shenji", Role.AUDITOR, "安全审计员 钱工", "安全审计员（只读审计日志）")):
        user = User(username=username, role=role, first_name=name,
                    region_id=ctx.home if role == Role.AUDITOR else None)
        user.set_password("kechuang-demo")
        user.save()
        ctx.add_login(key, user, note)
