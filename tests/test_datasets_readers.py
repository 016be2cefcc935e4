"""Each reader on a tiny folder laid out like the official dataset, written here; the real OTB, DTB70 and
UAV123@10fps layouts from ../shared."""

import json

import cv2
import numpy as np
import pytest
from conftest import need_shared

from edgetrack.datasets import open_dataset
from edgetrack.errors import EdgetrackError


def _frames(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        cv2.imwrite(str(folder / name), np.zeros((8, 8, 3), np.uint8))


def _boxes(path, rows, sep=","):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(sep.join(str(v) for v in r) + "\n" for r in rows))


BOX = (1, 2, 3, 4)


def test_lasot(tmp_path):
    seq = tmp_path / "cat" / "cat-3"
    _frames(seq / "img", [f"{i:08d}.jpg" for i in range(1, 4)])
    _boxes(seq / "groundtruth.txt", [BOX, BOX, (0, 0, 0, 0)])
    (seq / "full_occlusion.txt").write_text("0,0,1")
    (seq / "out_of_view.txt").write_text("0,1,0")
    (tmp_path / "testing_set.txt").write_text("cat-3\n")
    data = open_dataset("lasot", tmp_path)
    s = data.sequence("cat-3")
    assert data.names == ["cat-3"] and data.protocol == "lasot"
    assert s.absent.tolist() == [False, True, True] and s.meta["class"] == "cat"


def test_got10k_val_and_test(tmp_path):
    seq = tmp_path / "val" / "GOT-10k_Val_000001"
    _frames(seq, [f"{i:08d}.jpg" for i in range(1, 4)])
    _boxes(seq / "groundtruth.txt", [BOX] * 3)
    (seq / "absence.label").write_text("0\n0\n1\n")
    (seq / "cover.label").write_text("8\n4\n0\n")
    (seq / "meta_info.ini").write_text("[METAINFO]\nobject_class: ichneumon\nresolution: (1280, 720)\n")
    (tmp_path / "val" / "list.txt").write_text("GOT-10k_Val_000001\n")
    s = open_dataset("got10k_val", tmp_path)[0]
    assert s.cover.tolist() == [8, 4, 0] and s.absent.tolist() == [False, False, True]
    assert s.meta["resolution"] == (1280, 720) and s.attributes["occlusion"]
    test = tmp_path / "test" / "GOT-10k_Test_000001"
    _frames(test, [f"{i:08d}.jpg" for i in range(1, 3)])
    _boxes(test / "groundtruth.txt", [BOX])
    t = open_dataset("got10k_test", tmp_path)[0]
    assert len(t) == 2 and t.gt.shape == (1, 4)


def test_trackingnet_zero_based_frames(tmp_path):
    chunk = tmp_path / "TRAIN_0"
    _frames(chunk / "frames" / "abc_0", [f"{i}.jpg" for i in range(11)])
    _boxes(chunk / "anno" / "abc_0.txt", [BOX] * 11)
    s = open_dataset("trackingnet_train", tmp_path).sequence("abc_0")
    assert [p.name for p in s.frames[:3]] == ["0.jpg", "1.jpg", "2.jpg"] and s.frames[-1].name == "10.jpg"


def test_coco_non_crowd_boxes_are_one_frame_sequences(tmp_path):
    _frames(tmp_path / "train2017", ["000000000001.jpg"])
    (tmp_path / "annotations").mkdir()
    data = {
        "images": [{"id": 1, "file_name": "000000000001.jpg"}],
        "categories": [{"id": 3, "name": "car"}],
        "annotations": [
            {"id": 10, "image_id": 1, "bbox": [1, 2, 3, 4], "iscrowd": 0, "category_id": 3},
            {"id": 11, "image_id": 1, "bbox": [1, 2, 3, 4], "iscrowd": 1, "category_id": 3},
            {"id": 12, "image_id": 1, "bbox": [1, 2, 0, 4], "iscrowd": 0, "category_id": 3},
        ],
    }
    (tmp_path / "annotations" / "instances_train2017.json").write_text(json.dumps(data))
    ds = open_dataset("coco", tmp_path)
    assert ds.names == ["1_10"] and ds[0].gt.tolist() == [[1, 2, 3, 4]] and len(ds[0]) == 1


def test_otb_ranges_and_two_target_sequences(tmp_path):
    _frames(tmp_path / "David" / "img", [f"{i:04d}.jpg" for i in range(1, 8)])
    _boxes(tmp_path / "David" / "groundtruth_rect.txt", [BOX] * 3, sep="\t")
    _frames(tmp_path / "Jogging" / "img", [f"{i:04d}.jpg" for i in range(1, 3)])
    for k in (1, 2):
        _boxes(tmp_path / "Jogging" / f"groundtruth_rect.{k}.txt", [BOX] * 2, sep=" ")
    data = open_dataset("otb", tmp_path)
    data.ranges = {"David": (5, 7, 0)}
    assert data.names == ["David", "Jogging-1", "Jogging-2"]
    assert [p.name for p in data.sequence("David").frames] == ["0005.jpg", "0006.jpg", "0007.jpg"]


def test_uav123_subsequence_range_nan_rows_and_attributes(tmp_path):
    # UAV123@10fps bird1_2 is frames 259-493 of the folder bird1 (official configSeqs range)
    _frames(tmp_path / "data_seq" / "UAV123_10fps" / "bird1", [f"{i:06d}.jpg" for i in range(255, 500)])
    _boxes(tmp_path / "anno" / "UAV123_10fps" / "bird1_2.txt", [BOX] * 234 + [("NaN",) * 4])
    _boxes(tmp_path / "anno" / "UAV123_10fps" / "att" / "bird1_2.txt", [(1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1)])
    s = open_dataset("uav123_10fps", tmp_path).sequence("bird1_2")
    assert s.frames[0].name == "000259.jpg" and s.frames[-1].name == "000493.jpg"
    assert np.isnan(s.gt[-1]).all() and not s.visible[-1]
    assert s.attributes["SV"] and s.attributes["FOC"] and not s.attributes["OV"]


def test_uavdt_uavtrack112_visdrone_nfs(tmp_path):
    _frames(tmp_path / "uavdt" / "data_seq" / "S0101", [f"img{i:06d}.jpg" for i in range(1, 3)])
    _boxes(tmp_path / "uavdt" / "anno" / "S0101_gt.txt", [BOX] * 2)
    assert len(open_dataset("uavdt", tmp_path / "uavdt")[0]) == 2
    _frames(tmp_path / "u112" / "data_seq" / "car1", [f"{i:05d}.jpg" for i in range(1, 3)])
    _boxes(tmp_path / "u112" / "anno_l" / "car1.txt", [BOX] * 2)
    assert open_dataset("uavtrack112_l", tmp_path / "u112").names == ["car1"]
    vd = tmp_path / "vd"
    _frames(vd / "sequences" / "uav0001", [f"img{i:07d}.jpg" for i in range(1, 3)])
    _boxes(vd / "annotations" / "uav0001.txt", [BOX] * 2)
    (vd / "attributes").mkdir()
    (vd / "attributes" / "uav0001_attr.txt").write_text("1,0,0,0,0,0,0,1,0,0,0,0\n")
    assert open_dataset("visdrone", vd)[0].attributes["OV"]
    nfs = tmp_path / "nfs" / "Bee" / "30"
    _frames(nfs / "Bee", [f"{i:05d}.jpg" for i in range(1, 3)])
    rows = [f'1 {10 + i} 20 {40 + i} 60 {i} {i % 2} 0 0 "bee"\n' for i in range(16)]  # 240 fps rows: 8x
    (nfs / "Bee.txt").write_text("".join(rows))
    s = open_dataset("nfs", tmp_path / "nfs")[0]
    assert s.gt.tolist() == [[10, 20, 30, 40], [18, 20, 30, 40]] and s.absent.tolist() == [False, False]


def test_malformed_annotation_names_file_and_line(tmp_path):
    _frames(tmp_path / "Seq" / "img", ["0001.jpg", "0002.jpg"])
    (tmp_path / "Seq" / "groundtruth_rect.txt").write_text("1,2,3,4\n1,2,x,4\n")
    with pytest.raises(EdgetrackError, match=r"groundtruth_rect.txt:2"):
        open_dataset("dtb70", tmp_path)[0]


def test_missing_frames_are_reported(tmp_path):
    _frames(tmp_path / "Seq" / "img", ["0001.jpg"])
    _boxes(tmp_path / "Seq" / "groundtruth_rect.txt", [BOX] * 2)
    with pytest.raises(EdgetrackError, match="2 boxes for 1 frames"):
        open_dataset("dtb70", tmp_path)[0]


def test_real_layouts_from_shared():
    root = need_shared("sequences")
    assert len(open_dataset("otb", root / "OTB").sequence("Crossing")) == 120
    assert len(open_dataset("dtb70", root / "DTB70").sequence("Surfing06")) == 106
    assert len(open_dataset("uav123_10fps", root / "UAV123_10fps").sequence("wakeboard7")) == 67
    assert sorted(open_dataset("folder", root).names) == ["Crossing", "Surfing06", "wakeboard7"]
