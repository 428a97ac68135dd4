package com.dtstack.chunjun.connector.stream.util;

import org.apache.flink.api.common.functions.RuntimeContext;

import java.lang.reflect.Method;

/**
 * The index of the running subtask, on every Flink version from one source: 1.19+ have
 * {@code getTaskInfo().getIndexOfThisSubtask()} (2.x only that), 1.12-1.18 only
 * {@code getIndexOfThisSubtask()}. Reflection, because no single call compiles against both.
 * It lives in the connector jar itself: connectors must not link against chunjun-core.jar.
 */
public final class Subtasks {

    private Subtasks() {}

    public static int index(RuntimeContext context) {
        try {
            Method taskInfo = findMethod(RuntimeContext.class, "getTaskInfo");
            if (taskInfo != null) {
                Object info = taskInfo.invoke(context);
                // Through the declared return type (the public TaskInfo interface), not the
                // implementation class, which need not be public.
                return (Integer) taskInfo.getReturnType().getMethod("getIndexOfThisSubtask").invoke(info);
            }
            Method legacy = findMethod(RuntimeContext.class, "getIndexOfThisSubtask");
            if (legacy != null) {
                return (Integer) legacy.invoke(context);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the subtask index from " + context.getClass().getName(), e);
        }
        throw new IllegalStateException("RuntimeContext has neither getTaskInfo() nor getIndexOfThisSubtask()");
    }

    private static Method findMethod(Class<?> type, String name) {
        try {
            return type.getMethod(name);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
