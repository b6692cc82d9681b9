"use client";
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export function PostsOverTime({ months }: { months: { month: string; posts: number; meanKpi: number }[] }) {
  return (
    <ResponsiveContainer width="100%" height={240}>
      <AreaChart data={months} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="month" tick={{ fontSize: 11 }} minTickGap={24} />
        <YAxis tick={{ fontSize: 11 }} width={40} />
        <Tooltip />
        <Area type="monotone" dataKey="posts" stroke="#2a63dc" fill="#d9eaff" isAnimationActive={false} />
      </AreaChart>
    </ResponsiveContainer>
  );
}
